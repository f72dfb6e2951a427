# Skips the step when the LOSS is not finite, instead of checking the gradients (an inf input gives a finite loss through tanh but NaN gradients, so it fails the first cell too).
# %% safe_step
def safe_step(model, batch, optimizer, max_norm, loss_fn=F.mse_loss):
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    if not torch.isfinite(loss):
        return torch.tensor(math.inf)
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return total_norm
