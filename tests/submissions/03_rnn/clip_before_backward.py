# Exercise 2 wrong: clips before backward(), when the gradients have just been cleared, so the
# clipping does nothing and the returned norm is 0. Exercise 1 correct.
# %% jacobian_product_norm
def jacobian_product_norm(W, T):
    if W.dim() != 2 or W.shape[0] != W.shape[1]:
        raise ValueError("W must be a square matrix")
    if T < 0:
        raise ValueError("T must be non-negative")
    return torch.linalg.matrix_norm(torch.linalg.matrix_power(W, T), ord=2)
# %% train_step_with_clipping
def train_step_with_clipping(model, batch, loss_fn, optimizer, max_norm):
    if not math.isfinite(max_norm) or max_norm <= 0:
        raise ValueError("max_norm must be positive and finite")
    x, y = batch
    optimizer.zero_grad()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(norm)
