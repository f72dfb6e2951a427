"""A tiny character-level transformer language model that trains in seconds on a CPU (lesson 09).

The model is nanoGPT's shape at toy size: token and position embeddings, pre-LayerNorm blocks of
causal self-attention and a GELU MLP, a final LayerNorm and a linear head. The text is made in
code from a small grammar (:func:`make_corpus`), so nothing is downloaded; *unusual* batches are
strings of symbols that the corpus never contains (:func:`make_unusual_text`), the toy version of
the odd sentence that throws a language model off.

:func:`train_tiny_lm` trains with AdamW, a linear warm-up and a gradient rule that you choose:
no clipping, clipping to a fixed ``max_norm``, or any function ``rule(model, norm, history)``
that edits the gradients in place and says what it did (``"step"``, ``"clip"`` or ``"skip"``).
Every step's pre-clip norm is recorded, as real trainers log it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_int, check_positive_finite, check_real

__all__ = [
    "VOCAB",
    "RARE_SYMBOLS",
    "make_corpus",
    "make_unusual_text",
    "encode",
    "decode",
    "TinyCharLM",
    "GradientRule",
    "LMRun",
    "train_tiny_lm",
]

#: The symbols of the corpus: lower-case letters, space and full stop.
_TEXT_SYMBOLS = "abcdefghijklmnopqrstuvwxyz ."
#: Symbols in the vocabulary that the corpus never contains (the unusual batches use them).
RARE_SYMBOLS = "0123456789#"
#: Every symbol the model knows, in id order.
VOCAB = _TEXT_SYMBOLS + RARE_SYMBOLS
_ID = {c: i for i, c in enumerate(VOCAB)}

_SUBJECTS = (
    "the cat",
    "a dog",
    "the bird",
    "my friend",
    "the old man",
    "a child",
    "the teacher",
    "her sister",
)
_VERBS = ("sees", "likes", "finds", "carries", "follows", "paints", "reads", "wants")
_OBJECTS = (
    "the ball",
    "a red hat",
    "the river",
    "some bread",
    "a small box",
    "the green door",
    "a letter",
    "the moon",
)
_ENDINGS = (".", " today.", " again.", " at night.")

#: The actions a gradient rule reports.
ACTIONS = ("step", "clip", "skip")

GradientRule = Callable[[nn.Module, float, list[float]], str]
"""Type of a gradient rule: ``rule(model, norm, history) -> "step" | "clip" | "skip"``.

``norm`` is this step's pre-clip global L2 norm, ``history`` the pre-clip norms of the steps
before (oldest first). The rule may change the gradients in place; ``"skip"`` means the
optimizer step is not taken."""


def _seed(seed: Any) -> int:
    return check_int("seed", seed, minimum=0, maximum=2**63 - 1)


def make_corpus(n_chars: int = 20_000, *, seed: int = 0) -> str:
    r"""Make ``n_chars`` characters of simple English sentences from a small grammar.

    Each sentence is subject, verb, object and ending, drawn at random from eight, eight, eight
    and four choices ("the cat likes a red hat today. "). Only :data:`VOCAB`'s letters, space and
    full stop occur.

    Args:
        n_chars (int): length of the text, ``>= 1``. Default: 20000
        seed (int): seed of the private random generator, ``>= 0``. Default: 0

    Returns:
        The text, a ``str`` of exactly ``n_chars`` characters.
    """
    n = check_int("n_chars", n_chars, minimum=1)
    rng = random.Random(_seed(seed))
    parts: list[str] = []
    length = 0
    while length < n:
        s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_ENDINGS)} "
        parts.append(s)
        length += len(s)
    return "".join(parts)[:n]


def make_unusual_text(n_chars: int, *, seed: int = 0) -> str:
    r"""Make ``n_chars`` random symbols from :data:`RARE_SYMBOLS`, which the corpus never contains.

    Args:
        n_chars (int): length of the text, ``>= 1``.
        seed (int): seed of the private random generator, ``>= 0``. Default: 0

    Returns:
        The text, a ``str`` of exactly ``n_chars`` characters.
    """
    n = check_int("n_chars", n_chars, minimum=1)
    rng = random.Random(_seed(seed))
    return "".join(rng.choice(RARE_SYMBOLS) for _ in range(n))


def encode(text: str) -> Tensor:
    """Turn ``text`` into a 1-D ``int64`` tensor of symbol ids (positions in :data:`VOCAB`)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    unknown = sorted(set(text) - set(VOCAB))
    if unknown:
        raise ValueError(f"text holds symbols outside VOCAB: {''.join(unknown)!r}; VOCAB is {VOCAB!r}")
    return torch.tensor([_ID[c] for c in text], dtype=torch.long)


def decode(ids: Tensor | Iterable[int]) -> str:
    """Turn symbol ids back into text (the inverse of :func:`encode`)."""
    values = ids.tolist() if isinstance(ids, Tensor) else list(ids)
    bad = [i for i in values if not isinstance(i, int) or not 0 <= i < len(VOCAB)]
    if bad:
        raise ValueError(f"ids must be ints in [0, {len(VOCAB) - 1}], got {bad[:5]}")
    return "".join(VOCAB[i] for i in values)


class _Block(nn.Module):
    """One pre-LayerNorm transformer block: causal self-attention, then a 4x GELU MLP."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.ln_1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln_2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.out = nn.Linear(4 * d_model, d_model)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_heads, c // self.n_heads).transpose(1, 2) for z in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, c))
        return x + self.out(F.gelu(self.fc(self.ln_2(x))))


class TinyCharLM(nn.Module):
    r"""A character-level transformer language model in nanoGPT's shape, at toy size.

    Args:
        d_model (int): width, divisible by ``n_heads``. Default: 32
        n_layers (int): transformer blocks, ``>= 1``. Default: 2
        n_heads (int): attention heads, ``>= 1``. Default: 2
        context (int): longest input, in symbols, ``>= 1``. Default: 16

    Shape:
        input ``(batch, T)`` of symbol ids with ``T <= context``; output ``(batch, T, len(VOCAB))``
        logits of the next symbol at every position.
    """

    def __init__(self, d_model: int = 32, n_layers: int = 2, n_heads: int = 2, context: int = 16) -> None:
        super().__init__()
        d_model = check_int("d_model", d_model, minimum=1)
        n_layers = check_int("n_layers", n_layers, minimum=1)
        n_heads = check_int("n_heads", n_heads, minimum=1)
        if d_model % n_heads:
            raise ValueError(
                f"d_model must be divisible by n_heads, got d_model={d_model}, n_heads={n_heads}"
            )
        self.context = check_int("context", context, minimum=1)
        self.tok = nn.Embedding(len(VOCAB), d_model)
        self.pos = nn.Embedding(self.context, d_model)
        self.blocks = nn.Sequential(*(_Block(d_model, n_heads) for _ in range(n_layers)))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, len(VOCAB))

    def forward(self, ids: Tensor) -> Tensor:
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(f"ids must be a 2-D int64 tensor (batch, T), got {ids.dim()}-D {ids.dtype}")
        t = ids.shape[1]
        if not 1 <= t <= self.context:
            raise ValueError(f"inputs may hold 1 to context={self.context} symbols, got {t}")
        x = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))
        return self.head(self.ln_f(self.blocks(x)))

    def loss(self, batch: Tensor) -> Tensor:
        """Mean next-symbol cross-entropy of ``batch`` (``(B, T + 1)`` ids: inputs and targets)."""
        logits = self(batch[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))


@dataclass
class LMRun:
    """What :func:`train_tiny_lm` recorded, one entry per step.

    Attributes:
        losses: training loss of each step's batch.
        norms: pre-clip global L2 gradient norm of each step (what trainers log as ``grad_norm``).
        update_norms: L2 norm of each step's change of all parameters together (0 for a skipped step).
        actions: what the gradient rule did each step: ``"step"``, ``"clip"`` or ``"skip"``.
        unusual_steps: the steps that got an unusual batch.
        val_loss: loss on held-out text (fresh sentences from the grammar) after training.
    """

    losses: list[float] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    update_norms: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    unusual_steps: tuple[int, ...] = ()
    val_loss: float = math.nan

    @property
    def clip_rate(self) -> float:
        """Fraction of steps whose gradients were clipped."""
        return self.actions.count("clip") / len(self.actions) if self.actions else 0.0

    @property
    def skipped(self) -> list[int]:
        """The steps that were skipped."""
        return [i for i, a in enumerate(self.actions) if a == "skip"]

    def loss_jump(self, step: int, window: int = 5) -> float:
        """Mean loss of the ``window`` steps after ``step`` minus that of the ``window`` before.

        How much one step (an unusual batch, say) set training back; ordinary batches only.
        """
        step = check_int("step", step, minimum=0, maximum=len(self.losses) - 1)
        window = check_int("window", window, minimum=1)
        unusual = set(self.unusual_steps)
        before = [self.losses[i] for i in range(max(0, step - window), step) if i not in unusual]
        after = [
            self.losses[i]
            for i in range(step + 1, min(len(self.losses), step + 1 + window))
            if i not in unusual
        ]
        if not before or not after:
            raise ValueError(f"step {step} needs ordinary steps on both sides within window={window}")
        return sum(after) / len(after) - sum(before) / len(before)


def _fixed_clip(max_norm: float) -> GradientRule:
    def rule(model: nn.Module, norm: float, history: list[float]) -> str:
        if norm > max_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            return "clip"
        return "step"

    return rule


def _as_rule(clip: Any) -> GradientRule:
    if clip is None:
        return lambda model, norm, history: "step"
    if callable(clip):
        return clip
    if isinstance(clip, bool) or not isinstance(clip, (int, float)):
        raise TypeError(
            f"clip must be None (no clipping), a max_norm number, or a rule(model, norm, history), "
            f"got {type(clip).__name__}"
        )
    return _fixed_clip(check_positive_finite("clip (max_norm)", clip))


def _batches(text: Tensor, n: int, context: int, gen: torch.Generator) -> Tensor:
    starts = torch.randint(0, len(text) - context - 1, (n,), generator=gen)
    return torch.stack([text[s : s + context + 1] for s in starts.tolist()])


def train_tiny_lm(
    *,
    seed: int,
    steps: int = 200,
    lr: float = 1e-2,
    warmup: int = 20,
    betas: Sequence[float] = (0.9, 0.95),
    weight_decay: float = 0.1,
    batch_size: int = 16,
    clip: Any = 1.0,
    unusual_steps: Iterable[int] = (),
    model: TinyCharLM | None = None,
) -> LMRun:
    r"""Train :class:`TinyCharLM` on :func:`make_corpus` text with AdamW and record every step.

    Each step: a batch of ``batch_size`` windows of ``context + 1`` symbols (an unusual batch of
    :func:`make_unusual_text` at the steps in ``unusual_steps``), the mean cross-entropy,
    ``backward()``, the pre-clip global norm (``torch.nn.utils.get_total_norm``), the gradient rule,
    and ``optimizer.step()`` unless the rule said ``"skip"``. The learning rate rises linearly from
    ``lr / warmup`` to ``lr`` over the first ``warmup`` steps, then stays (``warmup=0``: no warm-up).

    Args:
        seed (int): seeds the model's initialisation, the corpus and the batches, ``>= 0``.
        steps (int): optimizer steps, ``>= 1``. Default: 200
        lr (float): peak learning rate of AdamW, ``> 0``. Default: 0.01
        warmup (int): warm-up steps, ``>= 0``. Default: 20
        betas (pair of floats): AdamW's ``(beta1, beta2)``. Default: ``(0.9, 0.95)`` as nanoGPT
        weight_decay (float): AdamW's decoupled weight decay, ``>= 0``. Default: 0.1
        batch_size (int): windows per batch, ``>= 1``. Default: 16
        clip: ``None`` (no clipping), a number (``clip_grad_norm_`` to that ``max_norm`` when the
            norm is above it), or a rule ``rule(model, norm, history) -> "step" | "clip" | "skip"``
            (see :data:`GradientRule`). Default: 1.0
        unusual_steps (iterable of int): steps (0-based) that get an unusual batch instead.
        model (TinyCharLM, optional): the model to train; default a fresh ``TinyCharLM()``
            initialised from ``seed``.

    Returns:
        An :class:`LMRun`.
    """
    seed = _seed(seed)
    steps = check_int("steps", steps, minimum=1)
    lr = check_positive_finite("lr", lr)
    warmup = check_int("warmup", warmup, minimum=0)
    betas = tuple(betas)
    if len(betas) != 2 or not all(0.0 <= check_real("betas", b) < 1.0 for b in betas):
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas}")
    weight_decay = check_real("weight_decay", weight_decay)
    if not (math.isfinite(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    rule = _as_rule(clip)
    unusual = tuple(
        sorted({check_int("unusual step", s, minimum=0, maximum=steps - 1) for s in unusual_steps})
    )
    if model is not None and not isinstance(model, TinyCharLM):
        raise TypeError(f"model must be a TinyCharLM, got {type(model).__name__}")

    torch.manual_seed(seed)
    if model is None:
        model = TinyCharLM()
    context = model.context
    text = encode(make_corpus(20_000, seed=seed))
    gen = torch.Generator().manual_seed(seed + 1)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=True)
    run = LMRun(unusual_steps=unusual)
    model.train()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warmup) if warmup else lr
        if step in unusual:
            odd = make_unusual_text(batch_size * (context + 1), seed=seed * 100_003 + step)
            batch = encode(odd).view(batch_size, context + 1)
        else:
            batch = _batches(text, batch_size, context, gen)
        loss = model.loss(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        norm = float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0
        action = rule(model, norm, list(run.norms))
        if action not in ACTIONS:
            raise ValueError(f"a gradient rule must return one of {ACTIONS}, got {action!r}")
        before = [p.detach().clone() for p in params]
        if action != "skip":
            opt.step()
        change = torch._foreach_sub([p.detach() for p in params], before)
        run.update_norms.append(float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(change)))))
        run.losses.append(loss.item())
        run.norms.append(norm)
        run.actions.append(action)
    run.val_loss = validation_loss(model, seed=seed)
    return run


@torch.no_grad()
def validation_loss(model: TinyCharLM, *, seed: int = 0, n_windows: int = 128) -> float:
    """Mean next-symbol loss of ``model`` on fresh sentences (a corpus drawn with another seed)."""
    if not isinstance(model, TinyCharLM):
        raise TypeError(f"model must be a TinyCharLM, got {type(model).__name__}")
    n_windows = check_int("n_windows", n_windows, minimum=1)
    span = model.context + 1
    text = encode(make_corpus(n_windows * span, seed=_seed(seed) + 7_919))
    was_training = model.training
    model.eval()
    loss = float(model.loss(text.view(n_windows, span)))
    model.train(was_training)
    return loss
