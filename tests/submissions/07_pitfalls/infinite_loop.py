# An infinite loop in train_step (the loop never advances); the other answers keep the stub.
# %% train_step
def train_step(model, batch, optimizer, max_norm):
    x, y = batch
    i = 0
    while i < 1:
        optimizer.zero_grad()
    return 0.0
