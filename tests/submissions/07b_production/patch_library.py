# Cheat: the wrong answer of unscale_after_clip (clips the still-scaled gradients, then unscales)
# handed in with math.isclose and torch.equal patched to always agree, the lesson's helper
# flat_params redefined so that every model looks the same, and max() shadowed so the largest
# gradient norm the optimiser saw reads 0. It must not score more than unscale_after_clip (0 + 1): its
# patches also break the overflow check that unscale_after_clip passes, so it scores 0.
# %% amp_step
def amp_step(model, batch, optimizer, scaler, max_norm):
    x, y = batch
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = F.mse_loss(model(x).float(), y)
    scaler.scale(loss).backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return total_norm

# --- tampering ---
math.isclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
flat_params = lambda model: torch.zeros(1)
max = lambda *args, **kwargs: 0.0
# --- end of tampering ---
