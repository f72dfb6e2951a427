"""course_utils: helpers for the hands-on course on gradient clipping in PyTorch.

Modules:

* :mod:`~course_utils.seeding`: ``seed_everything``;
* :mod:`~course_utils.data`: synthetic data sets and a reproducible loader;
* :mod:`~course_utils.models`: ``MLP``, ``VanillaRNN``, ``count_parameters``;
* :mod:`~course_utils.training`: clipping strategies, ``History``, ``train``;
* :mod:`~course_utils.monitoring`: ``GradNormMonitor`` for your own loops;
* :mod:`~course_utils.plotting`: figures in the Okabe–Ito palette;
* :mod:`~course_utils.progress`: an optional progress bar;
* :mod:`~course_utils.gradients`: finite-difference gradient checks and their error bands;
* :mod:`~course_utils.checks`: student-feedback checks that say what is wrong in words.
* :mod:`~course_utils.landscape`: two-parameter loss surfaces (the RNN cliff) and gradient descent on them;
* :mod:`~course_utils.widgets`: interactive explorers (ipywidgets) that also run without a browser.
* :mod:`~course_utils.geometry`: 2-D pictures of where norm and value clipping send a gradient.
* :mod:`~course_utils.quiz`: the quizzes' answer-format check and ungraded practice questions.
* :mod:`~course_utils.distributed`: real ``torch.distributed`` workers on the CPU (``run_workers``) and a sharded clip.
* :mod:`~course_utils.lm`: a tiny character-level transformer language model, its text and its training loop (lesson 09).
"""

from __future__ import annotations

from .data import make_adding_problem, make_classification, make_loader, make_regression, make_word_counts
from .models import MLP, VanillaRNN, count_parameters, spectral_radius
from .monitoring import GradNormMonitor
from .plotting import PALETTE, plot_curves, plot_history, plot_layer_norms, plot_norm_timelines
from .progress import progress_bar, progress_enabled
from .seeding import seed_everything
from .training import (
    ClipByNorm,
    ClipByValue,
    ClipStrategy,
    History,
    NoClip,
    as_clipper,
    clipped_norm,
    train,
)

# Student feedback (checks) and finite-difference checks (gradients) are used as modules:
# ``from course_utils.checks import check_global_norm``, ``course_utils.gradients.relative_error``.
from . import checks as checks, gradients as gradients

# Loss landscapes and widgets are used as modules too: ``from course_utils.landscape import cliff_loss``.
from . import landscape as landscape, widgets as widgets

# The 2-D clipping picture too: ``from course_utils.geometry import plot_ball_and_box``.
from . import geometry as geometry

# Quiz helpers: ``from course_utils.quiz import check_choice, practice_question``.
from . import quiz as quiz

# Real torch.distributed workers (lesson 07b): ``from course_utils.distributed import run_workers``.
from . import distributed as distributed

__version__ = "0.1.0"

__all__ = [
    # seeding
    "seed_everything",
    # data
    "make_regression",
    "make_classification",
    "make_word_counts",
    "make_adding_problem",
    "make_loader",
    # models
    "MLP",
    "VanillaRNN",
    "count_parameters",
    "spectral_radius",
    # training
    "ClipStrategy",
    "NoClip",
    "ClipByNorm",
    "ClipByValue",
    "as_clipper",
    "clipped_norm",
    "History",
    "train",
    # monitoring
    "GradNormMonitor",
    # plotting
    "PALETTE",
    "plot_history",
    "plot_layer_norms",
    "plot_norm_timelines",
    "plot_curves",
    # progress
    "progress_bar",
    "progress_enabled",
]
