# Cheat: the wrong answer of clip_still_before_backward (clips before backward(), so nothing is
# clipped) handed in with math.isclose and torch.equal patched to always agree, the lesson's helper
# flat_params redefined so that every model looks the same, and max() shadowed so the largest
# gradient norm the optimiser saw reads 0. It must not score more than clip_still_before_backward.
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    x, y = batch
    optimizer.zero_grad()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# --- tampering ---
math.isclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
flat_params = lambda model: torch.zeros(1)
max = lambda *args, **kwargs: 0.0
# --- end of tampering ---
