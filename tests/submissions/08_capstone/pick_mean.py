# Chooses by the mean accuracy over seeds instead of the worst seed.
# %% train_capstone
def train_capstone(seed, max_norm=MAX_NORM):
    X, y = load_reviews(seed, "train")
    model = make_model(seed)
    optimizer = make_optimizer(model)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    history = History()
    for epoch in range(EPOCHS):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
            after = get_total_norm([p.grad for p in model.parameters()]).item()
            history.record(loss=loss.item(), norm_before=total, norm_after=after, clipped=total > max_norm, epoch=epoch)
            optimizer.step()
    return model, history

# %% pick_threshold
def pick_threshold(results, target=TARGET):
    if len(results) == 0:
        raise ValueError("empty results")
    safe = []
    for t, accs in results.items():
        if not (math.isfinite(t) and t > 0):
            raise ValueError(f"bad threshold {t}")
        accs = [float(a) for a in accs]
        if not accs:
            raise ValueError(f"no accuracies for {t}")
        if all(math.isfinite(a) and a > target for a in accs):
            safe.append((sum(accs) / len(accs), float(t)))
    if not safe:
        raise ValueError("no safe threshold")
    return max(safe)[1]
