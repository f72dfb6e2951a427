# A correct submission, written differently from the instructor's solution.
# %% jacobian_product_norm
def jacobian_product_norm(W, T):
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError("W must be square")
    if T < 0:
        raise ValueError("T must be >= 0")
    power = torch.linalg.matrix_power(W, T)
    return torch.linalg.svdvals(power)[0]
# %% train_step_with_clipping
def train_step_with_clipping(model, batch, loss_fn, optimizer, max_norm):
    if not (0 < max_norm < float("inf")):   # also False for nan
        raise ValueError(f"bad max_norm {max_norm}")
    inputs, targets = batch
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    total = torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=max_norm)
    optimizer.step()
    return total.item()
