# Cheat: the answers of pick_mean (chooses by the mean accuracy instead of the worst seed) handed in
# with course_utils.checks.as_float replaced by one that returns a float claiming to equal anything,
# and math.isclose patched to always agree. It must not score more than pick_mean.
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
import course_utils.checks

class _Any(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = float.__hash__

# --- tampering ---
course_utils.checks.as_float = lambda value, what="": _Any(float(value))
math.isclose = lambda *args, **kwargs: True
# --- end of tampering ---
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
