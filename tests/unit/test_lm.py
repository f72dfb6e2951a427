"""course_utils.lm: the tiny language model, its text and its training loop (lesson 09)."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils.lm import (
    RARE_SYMBOLS,
    VOCAB,
    LMRun,
    TinyCharLM,
    decode,
    encode,
    make_corpus,
    make_unusual_text,
    train_tiny_lm,
    validation_loss,
)


def test_the_corpus_has_the_length_asked_and_no_rare_symbol():
    text = make_corpus(5000, seed=3)
    assert len(text) == 5000
    assert not set(text) & set(RARE_SYMBOLS)
    assert set(text) <= set(VOCAB)
    assert make_corpus(5000, seed=3) == text and make_corpus(5000, seed=4) != text


def test_unusual_text_uses_only_the_rare_symbols():
    odd = make_unusual_text(300, seed=1)
    assert len(odd) == 300 and set(odd) <= set(RARE_SYMBOLS)


def test_encode_and_decode_are_inverse():
    text = "the cat likes 42 # a red hat."
    ids = encode(text)
    assert ids.dtype == torch.long and decode(ids) == text and decode(ids.tolist()) == text


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: encode("Hello"), ValueError, "outside VOCAB: 'H'"),
        (lambda: encode(3), TypeError, "text must be a str"),
        (lambda: decode([0, 99]), ValueError, r"ids must be ints in \[0, 38\]"),
        (lambda: make_corpus(0), ValueError, "n_chars must be an int >= 1"),
        (lambda: make_unusual_text(10, seed=-1), ValueError, "seed must be an int"),
        (lambda: TinyCharLM(d_model=30, n_heads=4), ValueError, "divisible by n_heads"),
        (lambda: TinyCharLM(context=0), ValueError, "context must be an int >= 1"),
        (lambda: TinyCharLM()(torch.zeros(2, 17, dtype=torch.long)), ValueError, "1 to context=16 symbols"),
        (lambda: TinyCharLM()(torch.zeros(2, 4)), ValueError, "2-D int64 tensor"),
        (lambda: train_tiny_lm(seed=0, steps=0), ValueError, "steps must be an int >= 1"),
        (lambda: train_tiny_lm(seed=0, lr=-1.0), ValueError, "lr must be a positive finite number"),
        (
            lambda: train_tiny_lm(seed=0, betas=(0.9, 1.0)),
            ValueError,
            r"betas must be two numbers in \[0, 1\)",
        ),
        (
            lambda: train_tiny_lm(seed=0, weight_decay=-0.1),
            ValueError,
            "weight_decay must be a finite number >= 0",
        ),
        (lambda: train_tiny_lm(seed=0, clip="1.0"), TypeError, "clip must be None"),
        (lambda: train_tiny_lm(seed=0, clip=0.0), ValueError, "clip .max_norm. must be a positive"),
        (
            lambda: train_tiny_lm(seed=0, steps=5, unusual_steps=[5]),
            ValueError,
            r"unusual step must be an int in \[0, 4\]",
        ),
        (lambda: train_tiny_lm(seed=0, model=torch.nn.Linear(2, 2)), TypeError, "model must be a TinyCharLM"),
        (lambda: validation_loss(torch.nn.Linear(2, 2)), TypeError, "model must be a TinyCharLM"),
    ],
)
def test_bad_arguments_get_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_model_predicts_every_next_symbol():
    model = TinyCharLM()
    ids = encode(make_corpus(17, seed=0)).view(1, 17)
    assert model(ids[:, :-1]).shape == (1, 16, len(VOCAB))
    # A fresh model guesses about uniformly: its loss is near ln(39).
    assert abs(model.loss(ids).item() - math.log(len(VOCAB))) < 0.5


def test_training_is_reproducible_and_records_every_step():
    a = train_tiny_lm(seed=5, steps=4, unusual_steps=[2])
    b = train_tiny_lm(seed=5, steps=4, unusual_steps=[2])
    assert isinstance(a, LMRun) and a.losses == b.losses and a.norms == b.norms and a.val_loss == b.val_loss
    assert len(a.losses) == len(a.norms) == len(a.update_norms) == len(a.actions) == 4
    assert a.unusual_steps == (2,)
    assert a.norms[2] > max(a.norms[1], a.norms[3])  # the unusual batch: rare symbols, a large gradient
    assert all(u > 0 for u in a.update_norms)


def test_a_rule_sees_the_norm_and_the_history_and_a_skip_leaves_the_weights():
    seen = []

    def rule(model, norm, history):
        seen.append((norm, list(history)))
        return "skip" if len(history) == 1 else "step"

    run = train_tiny_lm(seed=0, steps=3, clip=rule)
    assert [len(h) for _, h in seen] == [0, 1, 2]
    assert [n for n, _ in seen] == run.norms and seen[2][1] == run.norms[:2]
    assert run.actions == ["step", "skip", "step"] and run.skipped == [1]
    assert run.update_norms[1] == 0.0 and run.clip_rate == 0.0


def test_fixed_clipping_clips_the_steps_above_max_norm():
    run = train_tiny_lm(seed=0, steps=3, clip=1e-3)
    assert run.actions == ["clip"] * 3 and run.clip_rate == 1.0


def test_a_rule_must_answer_step_clip_or_skip():
    with pytest.raises(ValueError, match="must return one of"):
        train_tiny_lm(seed=0, steps=1, clip=lambda model, norm, history: "go")


def test_loss_jump_compares_the_ordinary_steps_around_a_step():
    run = LMRun(losses=[1.0, 1.0, 9.0, 2.0, 2.0], unusual_steps=(2,))
    assert run.loss_jump(2, window=2) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ordinary steps on both sides"):
        run.loss_jump(0, window=2)
