# A correct submission, written differently from the instructor's solution.
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    inputs, targets = batch
    for p in model.parameters():
        p.grad = None
    loss = torch.nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.nn.utils.get_total_norm(grads)
    torch.nn.utils.clip_grads_with_norm_(model.parameters(), max_norm, total)
    optimizer.step()
    return float(loss.detach())
# %% safe_step
def safe_step(model, batch, optimizer, max_norm, loss_fn=F.mse_loss):
    x, y = batch
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    try:
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        optimizer.zero_grad()
        return torch.tensor(math.nan)
    optimizer.step()
    return total_norm
# %% accumulation_step
def accumulation_step(model, micro_batches, optimizer, max_norm):
    optimizer.zero_grad()
    k = len(micro_batches)
    for x, y in micro_batches:
        (F.mse_loss(model(x), y) / k).backward()
    norm = torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm)
    optimizer.step()
    return norm
