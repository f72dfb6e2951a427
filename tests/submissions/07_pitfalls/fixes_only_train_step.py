# Fixed train_step only; the other exercises keep the stub.
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    x, y = batch
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
