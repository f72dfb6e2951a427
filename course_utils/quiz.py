"""Quiz helpers: the format check of the graded quizzes, and ungraded practice questions.

* :func:`check_answer` is what the *visible* part of every graded quiz test runs: it looks the
  answer variable up and checks its format with :func:`check_choice`, never whether it is right
  (this module holds no answer key). An answer cell still holding its placeholder raises
  ``NotImplementedError``, as the exercise stubs of the lessons do.
* :func:`practice_question` builds an ipywidgets control for an ungraded question inside a lesson:
  pick an option, press *Check*, and it says at once whether the choice is right and why.

The format rule of the graded quizzes (stated in every quiz's introduction): an answer is a plain
``str`` holding one of the letters ``A``, ``B``, ``C``, ``D``. Upper or lower case and spaces
around the letter are accepted (``"b"`` and ``" B "`` both mean ``"B"``); anything else (a list,
``"AB"``, ``"B)"``, ``None``, a subclass of ``str``, an object that claims to equal everything)
is rejected and scores no point.
"""

from __future__ import annotations

import builtins
import html
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["LETTERS", "check_answer", "check_choice", "normalize_choice", "practice_question"]

#: The option letters of a graded quiz question, in order.
LETTERS = ("A", "B", "C", "D")
# Option labels of a practice question (2 to 6 options).
_PRACTICE_LETTERS = ("A", "B", "C", "D", "E", "F")


def normalize_choice(value: Any) -> str | None:
    r"""The letter ``value`` stands for under the quiz format rule, or ``None`` if it breaks it.

    Only an object whose type is exactly :class:`str` is looked at (``builtins.type(value) is
    str``: a subclass could override ``strip``, ``upper`` or ``__eq__``); its surrounding
    whitespace is removed and it is upper-cased with ``str``'s own methods.

    Args:
        value (Any): what the student assigned.

    Returns:
        One of ``"A"``, ``"B"``, ``"C"``, ``"D"``, or ``None`` when ``value`` is not a valid answer.
    """
    if builtins.type(value) is not builtins.str:
        return None
    letter = builtins.str.upper(builtins.str.strip(value))
    return letter if letter in LETTERS else None


def check_choice(value: Any, name: str = "your answer") -> str:
    r"""Check that ``value`` is a well-formed quiz answer and return its letter.

    This checks the *format* only: a plain ``str`` holding one letter ``A``-``D`` (case and
    surrounding spaces do not matter). It says nothing about whether the answer is right.

    Args:
        value (Any): the student's answer.
        name (str): how the answer is called in error messages (e.g. ``"answer_q3"``).

    Returns:
        The letter, upper case (``"a "`` gives ``"A"``).

    Raises:
        TypeError: ``value`` is not exactly a ``str`` (a list, a number, ``None``, a ``str``
            subclass, an object with a custom ``__eq__``...).
        ValueError: ``value`` is a ``str`` but not one of the four letters.
    """
    if builtins.type(value) is not builtins.str:
        kind = builtins.type(value).__name__
        hint = ""
        if isinstance(value, (list, tuple, set)):
            hint = " Choose exactly one option, e.g. \"B\", not a list."
        elif isinstance(value, builtins.str):
            hint = " Write the letter as a plain string literal such as \"B\"."
        raise TypeError(
            f"{name} must be a plain string holding one letter A, B, C or D, "
            f"got an object of type {kind}.{hint}"
        )
    letter = normalize_choice(value)
    if letter is None:
        raise ValueError(
            f"{name} must be one letter A, B, C or D (case and surrounding spaces "
            f"do not matter), got {value!r}"
        )
    return letter


def check_answer(name: str, namespace: Mapping[str, Any]) -> str:
    r"""Look up the answer variable ``name`` in ``namespace`` and check its format.

    A quiz's test cell calls ``check_answer("answer_q03", globals())``. While the answer cell
    above still holds its placeholder (``raise NotImplementedError()``), the variable does not
    exist and this raises ``NotImplementedError`` saying what to write, rather than a bare
    ``NameError``.

    Args:
        name (str): the answer variable, e.g. ``"answer_q03"``.
        namespace (Mapping[str, Any]): where the student's answers live: the notebook's
            ``globals()``.

    Returns:
        The letter, upper case, as :func:`check_choice` returns it.

    Raises:
        NotImplementedError: ``name`` is not set in ``namespace`` (the question is unanswered).
        TypeError, ValueError: as :func:`check_choice`; also a TypeError when ``name`` is not an
            identifier or ``namespace`` is not a mapping.
    """
    if builtins.type(name) is not str or not name.isidentifier():
        raise TypeError(
            f"name must be the answer variable's name as a str, e.g. \"answer_q03\", got {name!r}"
        )
    if not isinstance(namespace, Mapping):
        raise TypeError(
            f"namespace must be a mapping such as globals(), got {builtins.type(namespace).__name__}"
        )
    if name not in namespace:
        raise NotImplementedError(
            f"{name} is not set yet: in the answer cell above, replace the two placeholder lines by "
            f"{name} = \"<letter>\" (one of A, B, C, D) and run that cell"
        )
    return check_choice(namespace[name], name)


def practice_question(
    question: str, options: Sequence[str], answer: str, explanation: str
) -> "ipywidgets.VBox":
    r"""An ungraded multiple-choice question that gives feedback as soon as *Check* is pressed.

    Args:
        question (str): the question, as Markdown-free text (HTML special characters are escaped).
        options (Sequence[str]): 2 to 6 distinct, non-empty option texts, labelled A, B, C...
            in this order.
        answer (str): the letter of the right option (``"A"``, ``"B"``...; case-insensitive).
        explanation (str): why the right option is right; shown after every check.

    Returns:
        An ``ipywidgets.VBox`` with attributes ``choices`` (a ``RadioButtons`` whose values are
        the letters; ``None`` until one is picked), ``button`` (the *Check* button), ``feedback``
        (an ``HTML`` widget) and ``check()`` (what the button runs). Setting
        ``choices.value`` and calling ``button.click()`` in code does what a click does.
    """
    import ipywidgets as widgets

    if builtins.type(question) is not str or not question.strip():
        raise TypeError(f"question must be a non-empty str, got {question!r}")
    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
        raise TypeError(f"options must be a list of str, got {options!r}")
    options = list(options)
    if not 2 <= len(options) <= len(_PRACTICE_LETTERS):
        raise ValueError(f"options must hold 2 to {len(_PRACTICE_LETTERS)} texts, got {len(options)}")
    for i, opt in enumerate(options):
        if builtins.type(opt) is not str or not opt.strip():
            raise TypeError(f"options[{i}] must be a non-empty str, got {opt!r}")
    if len({o.strip() for o in options}) != len(options):
        raise ValueError(f"options must be distinct, got {options!r}")
    letters = _PRACTICE_LETTERS[: len(options)]
    if builtins.type(answer) is not str or answer.strip().upper() not in letters:
        raise ValueError(f"answer must be one of the option letters {', '.join(letters)}, got {answer!r}")
    answer = answer.strip().upper()
    if builtins.type(explanation) is not str or not explanation.strip():
        raise TypeError(f"explanation must be a non-empty str, got {explanation!r}")

    prompt = widgets.HTML(f"<b>Practice (not graded):</b> {html.escape(question)}")
    choices = widgets.RadioButtons(
        options=[(f"{letter}. {text}", letter) for letter, text in zip(letters, options)],
        value=None,
        layout=widgets.Layout(width="max-content"),
    )
    button = widgets.Button(description="Check", button_style="info")
    feedback = widgets.HTML("")

    def check(_button=None) -> None:
        picked = choices.value
        why = html.escape(explanation)
        if picked is None:
            feedback.value = "<span>Pick an option first, then press Check.</span>"
        elif picked == answer:
            feedback.value = f"<span style='color:#009E73'><b>Right: {picked}.</b></span> {why}"
        else:
            feedback.value = (
                f"<span style='color:#D55E00'><b>Not quite: you picked {picked}; "
                f"the answer is {answer}.</b></span> {why}"
            )

    button.on_click(check)
    # Changing the choice clears old feedback, so it never describes another option.
    choices.observe(lambda change: setattr(feedback, "value", ""), names="value")
    box = widgets.VBox([prompt, choices, button, feedback])
    box.choices, box.button, box.feedback, box.check = choices, button, feedback, check
    return box
