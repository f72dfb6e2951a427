# Cheat: the wrong answer of off_by_one (T + 1 factors) handed in with math.isclose, torch.allclose
# and torch.equal patched to always agree. It must not score more than off_by_one.
# %% jacobian_product_norm
import torch.linalg

def jacobian_product_norm(W, T):
    if W.dim() != 2 or W.shape[0] != W.shape[1]:
        raise ValueError("W must be a square matrix")
    if T < 0:
        raise ValueError("T must be non-negative")
    J = W.clone()
    for _ in range(T):
        J = J @ W
    return torch.linalg.matrix_norm(J, ord=2)

# --- tampering ---
math.isclose = lambda *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
# --- end of tampering ---
# %% train_step_with_clipping
def train_step_with_clipping(model, batch, loss_fn, optimizer, max_norm):
    if not math.isfinite(max_norm) or max_norm <= 0:
        raise ValueError("max_norm must be positive and finite")
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return float(norm)
