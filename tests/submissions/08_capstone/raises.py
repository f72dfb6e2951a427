# Both answers raise: a misspelt name in train_capstone, a TypeError in pick_threshold.
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
            total = torch.nn.utils.clip_grad_norm(model.paramaters(), max_norm)
            optimizer.step()
    return model, history

# %% pick_threshold
def pick_threshold(results, target=TARGET):
    return max(results, key=lambda t: min(results[t]) > target and min(results[t]) + None)
