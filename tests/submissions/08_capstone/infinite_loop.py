# Never returns: the step counter of the while loop is never advanced. pick_threshold is left as the stub.
# %% train_capstone
def train_capstone(seed, max_norm=MAX_NORM):
    X, y = load_reviews(seed, "train")
    model = make_model(seed)
    optimizer = make_optimizer(model)
    history = History()
    batches = list(make_loader(X, y, batch_size=BATCH, seed=seed))
    step = 0
    while step < N_STEPS:
        xb, yb = batches[step % len(batches)]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
        optimizer.step()
    return model, history
