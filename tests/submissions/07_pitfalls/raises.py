# Every answer raises.
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    raise ValueError("not done")
# %% safe_step
def safe_step(model, batch, optimizer, max_norm, loss_fn=F.mse_loss):
    raise ValueError("not done")
# %% accumulation_step
def accumulation_step(model, micro_batches, optimizer, max_norm):
    raise ValueError("not done")
