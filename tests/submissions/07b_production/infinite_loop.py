# An infinite loop in amp_step (the loop never advances).
# %% amp_step
def amp_step(model, batch, optimizer, scaler, max_norm):
    x, y = batch
    i = 0
    while i < 1:
        optimizer.zero_grad()
    return 0.0
