"""Tests for course_utils.quiz: the quiz format rule and the practice-question widget."""

from __future__ import annotations

import pytest

from course_utils.quiz import check_answer, check_choice, normalize_choice, practice_question


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def strip(self, *args):
        return self

    def upper(self):
        return self


class SneakyStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


@pytest.mark.parametrize(
    "value, letter", [("A", "A"), ("b", "B"), (" C ", "C"), ("\td\n", "D"), ("  a", "A")]
)
def test_check_choice_accepts_one_letter_any_case_and_surrounding_spaces(value, letter):
    assert check_choice(value) == letter
    assert normalize_choice(value) == letter


@pytest.mark.parametrize("value", [["A"], ("B",), {"C"}, None, 1, b"A", AlwaysEqual(), SneakyStr("A")])
def test_check_choice_rejects_anything_but_a_plain_str(value):
    with pytest.raises(TypeError, match="plain string"):
        check_choice(value, "answer_q03")
    assert normalize_choice(value) is None


@pytest.mark.parametrize("value", ["", " ", "AB", "E", "B)", "B.", "option B", "A B"])
def test_check_choice_rejects_other_strings_and_names_the_value(value):
    with pytest.raises(ValueError, match="answer_q03 must be one letter") as err:
        check_choice(value, "answer_q03")
    assert repr(value) in str(err.value)
    assert normalize_choice(value) is None


def test_check_choice_messages_help_with_lists_and_subclasses():
    with pytest.raises(TypeError, match="not a list"):
        check_choice(["A"])
    with pytest.raises(TypeError, match="plain string literal"):
        check_choice(SneakyStr("A"))


def test_check_choice_ignores_shadowed_builtins_in_the_callers_namespace():
    # A student may rebind type/str in the notebook; the check uses the real builtins.
    namespace = {"check_choice": check_choice}
    exec("type = lambda x: str\nstr = object\nresult = check_choice('c')", namespace)
    assert namespace["result"] == "C"


def test_check_answer_reads_the_variable_from_the_namespace():
    assert check_answer("answer_q03", {"answer_q03": " b "}) == "B"


def test_check_answer_of_an_unanswered_question_is_not_implemented_and_says_what_to_write():
    # The answer cell's placeholder raised before assigning: the test cell must not add a NameError.
    with pytest.raises(NotImplementedError, match=r'answer_q03 is not set yet.*answer_q03 = "<letter>"'):
        check_answer("answer_q03", {"answer_q01": "A"})


def test_check_answer_applies_the_format_rule_and_names_the_variable():
    with pytest.raises(TypeError, match="answer_q07 must be a plain string"):
        check_answer("answer_q07", {"answer_q07": ["A"]})
    with pytest.raises(ValueError, match="answer_q07 must be one letter"):
        check_answer("answer_q07", {"answer_q07": "E"})
    with pytest.raises(TypeError, match="answer_q07 must be a plain string"):
        check_answer("answer_q07", {"answer_q07": AlwaysEqual()})


@pytest.mark.parametrize(
    "name, namespace, message",
    [
        (3, {}, "name must be the answer variable's name"),
        ("answer q3", {}, "name must be the answer variable's name"),
        ("answer_q03", ["answer_q03"], "namespace must be a mapping such as globals"),
    ],
)
def test_check_answer_rejects_bad_arguments(name, namespace, message):
    with pytest.raises(TypeError, match=message):
        check_answer(name, namespace)


def _question(**overrides):
    kwargs = dict(
        question="Which tool clips each element?",
        options=["norm clip", "value clip", "dropout"],
        answer="B",
        explanation="Value clipping clamps every element into [-c, c].",
    )
    kwargs.update(overrides)
    return practice_question(**kwargs)


def test_practice_question_shows_right_and_why_on_check():
    box = _question()
    assert box.choices.value is None and box.feedback.value == ""
    assert [label for label, _ in box.choices.options] == ["A. norm clip", "B. value clip", "C. dropout"]
    box.choices.value = "B"
    box.button.click()
    assert "Right: B." in box.feedback.value
    assert "clamps every element" in box.feedback.value


def test_practice_question_shows_wrong_the_answer_and_why():
    box = _question()
    box.choices.value = "C"
    box.button.click()
    html = box.feedback.value
    assert "Not quite" in html and "you picked C" in html and "the answer is B" in html
    assert "clamps every element" in html


def test_practice_question_asks_for_a_choice_first_and_clears_old_feedback():
    box = _question()
    box.button.click()
    assert "Pick an option first" in box.feedback.value
    box.choices.value = "A"
    box.check()
    assert "Not quite" in box.feedback.value
    box.choices.value = "B"  # a new choice: the old verdict disappears until Check is pressed
    assert box.feedback.value == ""


def test_practice_question_escapes_html_and_accepts_lower_case_answer():
    box = _question(
        question="Is a < b?", options=["<b>yes</b>", "no"], answer="a", explanation="Because 1 < 2."
    )
    assert "&lt;" in box.children[0].value
    box.choices.value = "A"
    box.button.click()
    assert "Right: A." in box.feedback.value and "1 &lt; 2" in box.feedback.value


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(question=""), TypeError, "question"),
        (dict(question=3), TypeError, "question"),
        (dict(options="AB"), TypeError, "options"),
        (dict(options=["only one"]), ValueError, "2 to 6"),
        (dict(options=["x", "x", "y"]), ValueError, "distinct"),
        (dict(options=["x", "", "y"]), TypeError, r"options\[1\]"),
        (dict(answer="D"), ValueError, "answer must be one of the option letters A, B, C"),
        (dict(answer=1), ValueError, "answer"),
        (dict(explanation=" "), TypeError, "explanation"),
    ],
)
def test_practice_question_rejects_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        _question(**overrides)
