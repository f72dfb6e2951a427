# A correct answer written differently: course_utils.train with ClipByNorm, and a sort for the rule.
# %% train_capstone
from course_utils import train as _train_loop


def train_capstone(seed, max_norm=MAX_NORM):
    features, labels = load_reviews(seed, split="train")
    net = make_model(seed)
    opt = make_optimizer(net)
    batches = make_loader(features, labels, batch_size=BATCH, seed=seed)
    log = _train_loop(net, batches, F.cross_entropy, opt, epochs=EPOCHS, clip=ClipByNorm(max_norm), progress=False)
    return net, log

# %% pick_threshold
def pick_threshold(results, target=TARGET):
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict")
    candidates = []
    for threshold, accs in results.items():
        threshold = float(threshold)
        if math.isnan(threshold) or math.isinf(threshold) or threshold <= 0:
            raise ValueError(f"invalid threshold {threshold}")
        accs = np.array(accs, dtype=float).ravel()
        if len(accs) == 0:
            raise ValueError(f"threshold {threshold} has no accuracies")
        if np.all(np.isfinite(accs)) and np.all(accs > target):
            candidates.append((threshold, accs.min()))
    if not candidates:
        raise ValueError("no safe threshold: widen the sweep")
    candidates.sort(key=lambda c: (c[1], c[0]), reverse=True)
    return candidates[0][0]
