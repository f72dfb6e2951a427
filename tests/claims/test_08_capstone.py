"""Claims of lesson 08 (solutions/08_capstone), each rerun over several seeds."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils import MLP, ClipByNorm, History, make_loader, make_word_counts, seed_everything, train

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
VOCAB, N_TRAIN, N_VAL, JUNK_FRACTION = lesson_settings(
    "08_capstone", "VOCAB", "N_TRAIN", "N_VAL", "JUNK_FRACTION"
)
HIDDEN, LR, BATCH, EPOCHS = lesson_settings("08_capstone", "HIDDEN", "LR", "BATCH", "EPOCHS")
MAX_NORM, TARGET = lesson_settings("08_capstone", "MAX_NORM", "TARGET")
SWEEP = lesson_settings("08_capstone", "SWEEP")
SWEEP_SEEDS = tuple(lesson_settings("08_capstone", "SWEEP_SEEDS"))  # the seeds the lesson sweeps
DOC_LENGTH = lesson_settings("08_capstone", "DOC_LENGTH")


def load_reviews(seed, split="train"):
    n, sample_seed = (N_TRAIN, 2 * seed) if split == "train" else (N_VAL, 2 * seed + 1)
    return make_word_counts(n, VOCAB, junk_fraction=JUNK_FRACTION, task_seed=seed, seed=sample_seed)


def accuracy(model, X, y):
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


@functools.lru_cache(maxsize=None)
def capstone_run(seed, max_norm=None):
    """The lesson's loop (train_unclipped for max_norm=None, the solution's train_capstone otherwise)."""
    X, y = load_reviews(seed, "train")
    seed_everything(seed)
    model = MLP(VOCAB, 2, hidden=HIDDEN, depth=1, activation="relu")
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    history = History()
    for epoch in range(EPOCHS):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            params = list(model.parameters())
            if max_norm is None:
                before = after = torch.nn.utils.get_total_norm([p.grad for p in params]).item()
            else:
                before = torch.nn.utils.clip_grad_norm_(params, max_norm).item()
                after = torch.nn.utils.get_total_norm([p.grad for p in params]).item()
            history.record(
                loss=loss.item(),
                norm_before=before,
                norm_after=after,
                clipped=max_norm is not None and before > max_norm,
                epoch=epoch,
            )
            optimizer.step()
    return model, history, accuracy(model, *load_reviews(seed, "val"))


def tutorial_run(clip, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(2048, 20, generator=g)
    y = (X.sum(dim=1) > 0).long()
    seed_everything(seed)
    model = MLP(20, 2, hidden=32, depth=2, activation="relu")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = train(
        model,
        make_loader(X[:1024], y[:1024], batch_size=32, seed=seed),
        F.cross_entropy,
        optimizer,
        epochs=10,
        clip=clip,
        progress=False,
    )
    return history, accuracy(model, X[1024:], y[1024:])


@pytest.mark.claim("08-tutorial-stable")
@pytest.mark.parametrize("seed", SEEDS)
def test_tutorial_setup_is_stable_with_or_without_clipping(seed):
    plain, plain_acc = tutorial_run(None, seed)
    clipped, clipped_acc = tutorial_run(ClipByNorm(1.0), seed)
    assert plain_acc > 0.9 and clipped_acc > 0.9, (plain_acc, clipped_acc)
    assert abs(plain_acc - clipped_acc) <= 0.03, (plain_acc, clipped_acc)
    assert plain.first_nonfinite_step is None and clipped.first_nonfinite_step is None
    assert np.mean(plain.norms_before < 1) > 0.5 and np.mean(clipped.norms_before < 1) > 0.5


@pytest.mark.claim("08-unclipped-fails")
@pytest.mark.parametrize("seed", SEEDS)
def test_unclipped_fails_and_clipped_passes_75_percent(seed):
    # Ten fresh seeds (100-109): the unclipped run stayed at or below 75% on nine; seed 107 reached 96.9%.
    _, plain, plain_acc = capstone_run(seed)
    _, clipped, clipped_acc = capstone_run(seed, MAX_NORM)
    assert np.isfinite(plain.norms_before).all() and np.isfinite(plain.losses).all()
    assert (plain.norms_before > 100).any() and np.median(plain.norms_before) < 1
    assert plain_acc <= TARGET, f"unclipped run reached {plain_acc:.3f}"
    assert clipped_acc > TARGET, f"clipped run only reached {clipped_acc:.3f}"
    assert clipped.norms_after.max() <= MAX_NORM * (1 + 1e-5)


@pytest.mark.claim("08-unclipped-fails")
def test_unclipped_fails_on_all_eight_lesson_seeds():
    # The lesson's check loops over seeds 0..7 and reports "8 of 8", at 0.50 to 0.53: no better than
    # the larger class (half of each validation set).
    accs = [capstone_run(s)[2] for s in range(8)]
    assert all(a <= TARGET for a in accs), accs
    assert all(0.49 <= a <= 0.55 for a in accs), accs
    assert all(load_reviews(s, "val")[1].float().mean().item() == 0.5 for s in range(8))


@pytest.mark.claim("08-unclipped-fails")
@pytest.mark.parametrize("seed", SEEDS)
def test_an_unclipped_run_ends_at_chance(seed):
    # Ten fresh seeds (100-109): at 0.49-0.55 on seven; 102, 104 and 107 ended at 0.636, 0.568 and
    # 0.969. The lesson reports its own eight seeds (0-7), all at 0.50-0.53.
    _, _, plain_acc = capstone_run(seed)
    assert 0.49 <= plain_acc <= 0.55, f"unclipped run ended at {plain_acc:.3f}"


@pytest.mark.claim("08-timeline")
@pytest.mark.parametrize("seed", SEEDS)
def test_both_runs_spike_clipped_run_stays_below_threshold(seed):
    _, plain, _ = capstone_run(seed)
    _, clipped, _ = capstone_run(seed, MAX_NORM)
    assert plain.norms_before.max() > 100 * MAX_NORM and clipped.norms_before.max() > 100 * MAX_NORM
    assert np.mean(clipped.norms_before > MAX_NORM) < 0.25
    assert np.mean(plain.norms_before > MAX_NORM) > np.mean(clipped.norms_before > MAX_NORM)


@pytest.mark.claim("08-junk-clipped")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipped_steps_are_junk_batches(seed):
    # Ten fresh seeds (100-109): true on seven. On 101 a batch of reviews only was clipped; on 104 and
    # 107 the clipped model ended with a loss of 0 on the junk documents (it fitted them), so their loss
    # was not above the reviews'. The lesson shows this on seed 0's run only.
    model, clipped, _ = capstone_run(seed, MAX_NORM)
    X, y = load_reviews(seed, "train")
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    has_junk = np.array([bool((xb.sum(dim=1) > 1000).any()) for _ in range(EPOCHS) for xb, _ in loader])
    assert clipped.clipped.any()
    assert not (clipped.clipped & ~has_junk).any(), "a batch of reviews only was clipped"
    assert (has_junk & ~clipped.clipped).any(), "every junk batch was clipped"
    is_junk = X.sum(dim=1) > 1000
    with torch.no_grad():
        losses = F.cross_entropy(model(X), y, reduction="none")
    assert losses[is_junk].mean() > 100 * losses[~is_junk].mean()
    if seed == 0:  # the lesson's numbers: 0.025 and 58, over 2 000 times
        assert (
            round(losses[~is_junk].mean().item(), 3) == 0.025 and round(losses[is_junk].mean().item()) == 58
        )


@functools.lru_cache(maxsize=None)
def sweep():
    return {t: [capstone_run(s, t) for s in SWEEP_SEEDS] for t in SWEEP}


def _passed(t):
    return sum(acc > TARGET for _, _, acc in sweep()[t])


@pytest.mark.claim("08-sweep-too-tight")
def test_too_tight_thresholds_crawl():
    for t in (0.001, 0.01):
        assert all(h.clip_rate == 1.0 for _, h, _ in sweep()[t])
    assert _passed(0.001) == 0 and _passed(0.01) == 1
    assert round(min(acc for _, _, acc in sweep()[0.001]), 3) == 0.400


@pytest.mark.claim("08-sweep-sensible")
def test_sensible_band_passes_on_every_seed():
    worst = [round(min(acc for _, _, acc in sweep()[t]), 3) for t in (0.1, 1.0, 10.0)]
    assert worst == [0.947, 0.962, 0.955], worst
    for t in (1.0, 10.0):
        assert f"{np.mean([h.clip_rate for _, h, _ in sweep()[t]]):.0%}" == "12%"
    assert all(h.clip_rate == 1.0 for _, h, _ in sweep()[0.1])


@pytest.mark.claim("08-sweep-too-loose")
def test_too_loose_thresholds_fail_on_most_seeds():
    assert _passed(100.0) == 1 and _passed(1000.0) == 0
    rate = {t: np.mean([h.clip_rate for _, h, _ in sweep()[t]]) for t in (1.0, 100.0, 1000.0)}
    assert rate[1000.0] < rate[100.0] < rate[1.0]
    assert (f"{rate[100.0]:.0%}", f"{rate[1000.0]:.0%}") == ("6%", "2%")
    largest = {t: [h.norms_before.max() for _, h, _ in sweep()[t]] for t in (1.0, 100.0, 1000.0)}
    # "the largest norms reach 972 to 1 860 and 1 970 to 11 200": far above those of the clipped runs at 1
    assert min(largest[100.0]) > 2 * max(largest[1.0]) and min(largest[1000.0]) > max(largest[100.0])
    shown = [
        f"{f(largest[t]):.3g}" for t in (100.0, 1000.0) for f in (min, max)
    ]  # as the lesson's table prints them
    assert shown == ["972", "1.86e+03", "1.97e+03", "1.12e+04"], shown


@pytest.mark.claim("08-rule-choice")
def test_rule_picks_inside_the_sensible_band():
    results = {t: [acc for _, _, acc in sweep()[t]] for t in SWEEP}
    safe = {t: min(a) for t, a in results.items() if all(math.isfinite(x) and x > TARGET for x in a)}
    chosen = max(safe, key=lambda t: (safe[t], t))
    assert 0.1 <= chosen <= 10.0
    assert np.mean([h.clip_rate for _, h, _ in sweep()[chosen]]) < 0.5


def _model_and_optimizer(seed):
    seed_everything(seed)
    model = MLP(VOCAB, 2, hidden=HIDDEN, depth=1, activation="relu")
    return model, torch.optim.SGD(model.parameters(), lr=LR)


@functools.lru_cache(maxsize=None)
def replay_junk(seed):
    """The lesson's replay of the clipped run: during each epoch, per step, whether the batch holds a
    junk document and one on the wrong side, the norm, how far the step moved the junk margins, the
    loss and the wrong junk documents' summed loss; after each epoch, the junk documents' classes,
    the wrong ones' margins, the largest share of a wrong one, its first-layer part, the weight norms."""
    X, y = load_reviews(seed, "train")
    is_junk = X.sum(dim=1) > 1000
    model, optimizer = _model_and_optimizer(seed)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    first, last = model.linears[0], model.linears[-1]
    sign = torch.tensor([-1.0, 1.0])
    during, after = [], []
    for _ in range(EPOCHS):
        steps = []
        for xb, yb in loader:
            optimizer.zero_grad()
            losses = F.cross_entropy(model(xb), yb, reduction="none")
            losses.mean().backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM).item()
            with torch.no_grad():
                before = model(X[is_junk]) @ sign
            optimizer.step()
            with torch.no_grad():
                moved = (model(X[is_junk]) @ sign - before).abs().max().item()
            junk = xb.sum(dim=1) > 1000
            wrong = junk & (losses.detach() > math.log(2))
            steps.append(
                dict(
                    junk=bool(junk.any()),
                    wrong=bool(wrong.any()),
                    norm=norm,
                    moved=moved,
                    loss=losses.mean().item(),
                    wrong_loss=losses.detach()[wrong].sum().item(),
                )
            )
        during.append(steps)
        with torch.no_grad():
            logits = model(X[is_junk])
        wrong = (logits.argmax(dim=1) != y[is_junk]).tolist()
        shares, parts = [], []
        for i, is_wrong in zip(torch.nonzero(is_junk).flatten().tolist(), wrong):
            optimizer.zero_grad()
            (F.cross_entropy(model(X[i : i + 1]), y[i : i + 1]) / BATCH).backward()
            if is_wrong:
                shares.append(torch.nn.utils.get_total_norm([q.grad for q in model.parameters()]).item())
                parts.append(
                    torch.nn.utils.get_total_norm([first.weight.grad, first.bias.grad]).item() / shares[-1]
                )
        optimizer.zero_grad()
        after.append(
            dict(
                classes=logits.argmax(dim=1).tolist(),
                share=max(shares, default=0.0),
                part=parts[shares.index(max(shares))] if shares else None,
                w1=first.weight.norm().item(),
                w2=last.weight.norm().item(),
            )
        )
    return during, after, X[is_junk].norm(dim=1), X[~is_junk].norm(dim=1)


@pytest.mark.claim("08-junk-mechanism")
@pytest.mark.parametrize("seed", SEEDS)
def test_junk_on_the_wrong_side_gives_the_large_growing_gradients(seed):
    # The lesson states these on seed 0. Rerun on seeds 0-4 and 100-109: the input-length ratio was
    # 478-526; a clipped step moved the junk margins by 139 or more; the wrong junk documents carried
    # 64-99% of the mean loss in epochs 6-9 (in 3 of the 4 epochs above 60% on all but seed 107); the
    # share grew 1.54-3.35 times, its first-layer part was 0.82-0.93, the output layer's weights grew
    # relatively more than the first layer's, and one class was given to all five junk documents after
    # 7 to 10 of the 10 epochs. Every clipped step held a wrong junk document on seeds 0-4 and on seven
    # of the ten fresh seeds (not on 101, 107, 109: claim 08-junk-clipped records those).
    during, after, junk_len, review_len = replay_junk(seed)
    assert 400 < junk_len.min().item() / review_len.median().item() < 600  # "about 480 times as long"
    for steps in during:
        for st in steps:
            if st["norm"] > MAX_NORM:  # every clipped step holds a junk document on the wrong side
                assert st["wrong"], st
                assert st["moved"] > 100, "a clipped step moves the junk margins by more than 100"
    late = during[6:]
    mean_loss = [np.mean([st["loss"] for st in steps]) for steps in late]
    junk_part = [sum(st["wrong_loss"] for st in steps) / N_TRAIN for steps in late]
    assert sum(j > 0.6 * m for j, m in zip(junk_part, mean_loss)) >= 3, (junk_part, mean_loss)
    with_wrong = [a for a in after if a["share"] > 0]
    assert with_wrong[-1]["share"] > 1.5 * with_wrong[0]["share"]
    assert all(a["part"] > 0.8 for a in with_wrong)
    assert after[-1]["w2"] / after[0]["w2"] > after[-1]["w1"] / after[0]["w1"]
    assert sum(len(set(a["classes"])) == 1 for a in after) >= 7, "one class for all five junk documents"
    if seed == 0:
        assert all(len(set(a["classes"])) == 1 for a in after)
        assert all(j > 0.95 * m for j, m in zip(junk_part, mean_loss))
        others = [st["norm"] for steps in during for st in steps if st["junk"] and not st["wrong"]]
        assert max(others) < 1
        assert [round(a["share"]) for a in (after[0], after[-1])] == [106, 217]
        assert (round(after[0]["w2"], 2), round(after[-1]["w2"], 2)) == (1.08, 1.79)
        assert (round(after[0]["w1"], 2), round(after[-1]["w1"], 2)) == (3.39, 3.68)
        moved = [st["moved"] for steps in during for st in steps if st["wrong"]]
        assert (round(min(moved)), round(max(moved))) == (202, 694)
        assert [a["classes"][0] for a in after] == [1, 1, 1, 1, 0, 1, 1, 1, 1, 1]
        assert [sum(st["wrong"] for st in steps) for steps in during] == [1, 0, 2, 1, 1, 1, 2, 2, 2, 2]
        assert all(0.895 <= a["part"] < 0.925 for a in after)  # "0.90 to 0.92"
        assert all(st["norm"] <= MAX_NORM for st in during[1])  # epoch 1: nothing clipped


def _train_unclipped_on(X, y, seed):
    model, optimizer = _model_and_optimizer(seed)
    loader, largest = make_loader(X, y, batch_size=BATCH, seed=seed), 0.0
    for _ in range(EPOCHS):
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            largest = max(largest, torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item())
            optimizer.step()
    return model, largest


@pytest.mark.claim("08-fix-the-cause")
@pytest.mark.parametrize("seed", SEEDS)
def test_dropping_or_normalising_the_junk_trains_without_clipping(seed):
    # Measured on the lesson's seeds 0-7 (0.963-0.987, largest norm 1.09) and on 100-105 (0.946-0.976).
    # Ten fresh seeds (100-109): both fixes pass on all ten; the last check (the run on the data as given
    # fails) does not hold on 107, as claim 08-unclipped-fails records.
    X, y = load_reviews(seed, "train")
    Xv, yv = load_reviews(seed, "val")
    keep = X.sum(dim=1) <= 1000
    assert (~keep).sum() > 0
    dropped, drop_norm = _train_unclipped_on(X[keep], y[keep], seed)

    def normalise(A):
        return A / A.sum(dim=1, keepdim=True) * DOC_LENGTH

    normed, norm_norm = _train_unclipped_on(normalise(X), y, seed)
    for acc in (accuracy(dropped, Xv, yv), accuracy(normed, normalise(Xv), yv)):
        assert acc > 0.94, acc
    assert max(drop_norm, norm_norm) < 1.5
    assert capstone_run(seed)[2] <= TARGET  # the same runs on the data as given fail


@pytest.mark.claim("08-rule-paired")
def test_the_chosen_threshold_beats_the_other_safe_ones_seed_by_seed():
    results = {t: [acc for _, _, acc in sweep()[t]] for t in SWEEP}
    safe = {t: min(a) for t, a in results.items() if all(math.isfinite(x) and x > TARGET for x in a)}
    chosen = max(safe, key=lambda t: (safe[t], t))
    gap = max(safe[chosen] - v for v in safe.values())
    se_diff = max(math.sqrt((safe[chosen] * (1 - safe[chosen]) + v * (1 - v)) / N_VAL) for v in safe.values())
    assert gap < 2 * se_diff, "the worst seeds alone are thin evidence"
    for t in safe:
        if t != chosen:
            assert all(a > b for a, b in zip(results[chosen], results[t])), (t, results[chosen], results[t])
