# Keeps the clip inside the micro-batch loop (the original bug), but returns the last norm.
# %% accumulation_step
def accumulation_step(model, micro_batches, optimizer, max_norm):
    optimizer.zero_grad()
    for x, y in micro_batches:
        loss = F.mse_loss(model(x), y) / len(micro_batches)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return total_norm
