"""The quiz question bank (quizzes/bank/*.yaml): well formed, complete, balanced, and true.

Each code snippet is run, and its output must be what the key says: the ``expect`` field when
the question has one, otherwise the text of the correct option. The built quiz notebooks must
match the bank (``make quizzes`` rebuilds them) and building is deterministic.
"""

from __future__ import annotations

import collections
import difflib
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from support import SOLUTIONS

import build_quizzes  # scripts/build_quizzes.py

QUESTIONS = build_quizzes.load_bank()
BY_ID = {q["id"]: q for q in QUESTIONS}
SNIPPETS = [q for q in QUESTIONS if q.get("snippet")]
#: The points the curriculum's "Graded quizzes" section requires, as tags used in ``covers``.
REQUIRED_POINTS = {
    "purpose",
    "functions",
    "snippet-small-max-norm",
    "bug-clip-before-backward",
    "rnn-order",
    "myth-direction",
    "myth-always-needed",
    "myth-interchangeable",
    "myth-fixes-everything",
    "nan-scenario",
    "read-norm-table",
}
#: Lessons of the course, by number (07 and 08 may be written after their questions).
LESSON_NAMES = {
    "01": "01_gradients",
    "02": "02_exploding",
    "03": "03_rnn",
    "04": "04_clip_norm",
    "05": "05_clip_value",
    "06": "06_threshold",
    "07": "07_pitfalls",
    "08": "08_capstone",
    "09": "09_modern",
}


def test_bank_has_enough_questions_for_every_lesson():
    assert len(QUESTIONS) >= 30, f"the bank holds {len(QUESTIONS)} questions, at least 30 are required"
    per_lesson = collections.Counter(str(q["lesson"])[:2] for q in QUESTIONS)
    missing = [n for n in LESSON_NAMES if per_lesson[n] < 2]
    assert not missing, f"lessons with fewer than 2 questions: {missing} (counts {dict(per_lesson)})"


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_question_schema(q):
    assert re.fullmatch(r"q\d\d-[a-z0-9-]+", q["id"]), f"bad id {q['id']!r}"
    lesson = str(q["lesson"])
    assert lesson[:2] in LESSON_NAMES and q["id"][1:3] == lesson[:2], f"{q['id']}: lesson {lesson!r}"
    # Lesson 07 has a second part, 07b_production: the folders of a number are NN_* and NNx_*.
    folders = [p.name for p in SOLUTIONS.glob(f"{lesson[:2]}*_*") if p.is_dir()]
    # The lesson must exist under that name (07 and 08 may not be written yet).
    assert lesson in folders or (not folders and lesson == LESSON_NAMES[lesson[:2]]), (
        f"{q['id']}: lesson {lesson!r} not among {folders or LESSON_NAMES[lesson[:2]]}"
    )
    assert q["file"] == f"{lesson}.yaml", f"{q['id']} is in {q['file']}, expected {lesson}.yaml"
    assert isinstance(q["question"], str) and q["question"].strip()
    opts = q["options"]
    assert isinstance(opts, dict) and sorted(opts) == ["A", "B", "C", "D"], f"{q['id']}: options {opts}"
    texts = [str(opts[k]).strip() for k in "ABCD"]
    assert all(texts), f"{q['id']}: an option is empty"
    assert len({t.lower() for t in texts}) == 4, f"{q['id']}: duplicate options {texts}"
    assert q["answer"] in ("A", "B", "C", "D"), f"{q['id']}: answer {q['answer']!r}"
    assert isinstance(q["explanation"], str) and len(q["explanation"].split()) >= 8, (
        f"{q['id']}: the explanation is missing or too short"
    )
    assert set(q.get("covers") or []) <= REQUIRED_POINTS, f"{q['id']}: unknown covers tags"
    if "expect" in q:
        assert q.get("snippet"), f"{q['id']}: 'expect' without a snippet"


def test_ids_and_question_texts_are_unique():
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)), f"duplicate ids: {[i for i in ids if ids.count(i) > 1]}"
    texts = [" ".join(q["question"].split()) for q in QUESTIONS]
    assert len(texts) == len(set(texts)), "two questions have the same text"


def test_every_curriculum_point_is_covered():
    covered = set().union(*(set(q.get("covers") or []) for q in QUESTIONS))
    assert REQUIRED_POINTS <= covered, f"curriculum points without a question: {REQUIRED_POINTS - covered}"


def test_answers_are_spread_over_the_letters():
    counts = collections.Counter(q["answer"] for q in QUESTIONS)
    expected = len(QUESTIONS) / 4
    assert all(abs(counts[k] - expected) <= 2 for k in "ABCD"), f"unbalanced answer key: {dict(counts)}"


# --- No cue from the form of the options -------------------------------------------------------------
# A student who knows nothing must not beat a third of any quiz by a rule about the options' form:
# always the longest option, always the shortest, always the second-longest (or any other length
# rank), always the same letter. Lengths are the number of characters of each option's text (as the
# student sees it, stripped).
QUIZ_IDS = list(build_quizzes.QUIZZES)
#: A key may be the longest option only by a small margin: at most this factor times the longest wrong
#: option, plus a few characters so that short outputs ("13.0" against "9.5") are not held to a ratio.
KEY_MARGIN_FACTOR, KEY_MARGIN_CHARS = 1.5, 5


def _lengths(q) -> dict[str, int]:
    return {k: len(str(q["options"][k]).strip()) for k in "ABCD"}


def _key_is(q, which) -> bool:
    n = _lengths(q)
    key, wrong = n[q["answer"]], [n[k] for k in "ABCD" if k != q["answer"]]
    return key > max(wrong) if which == "longest" else key < min(wrong)


@pytest.mark.parametrize("which", ["longest", "shortest"])
@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_the_key_is_rarely_the_longest_or_the_shortest_option(quiz, which):
    qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
    hits = [q["id"] for q in qs if _key_is(q, which)]
    assert len(hits) <= len(qs) / 3, (
        f"{quiz}: the key is the strictly {which} option in {len(hits)} of {len(qs)} questions (at most a third "
        f"allowed, so that always picking the {which} option cannot pass): {hits}"
    )


#: Length ranks of the four options: 1 is the longest, 4 the shortest.
LENGTH_RANKS = (1, 2, 3, 4)


def _length_rank(rank: int):
    """The rule "pick the option of length rank ``rank``" as scores: the options whose length is the
    rank-th largest of the four (counted with repeats) score highest, so tied options share it."""

    def score(q) -> dict[str, int]:
        n = _lengths(q)
        target = sorted(n.values(), reverse=True)[rank - 1]
        return {k: -abs(n[k] - target) for k in "ABCD"}

    return score


def _key_rank(q) -> int | None:
    """The key's length rank (1 = longest), or None where another option has the key's length."""
    n = _lengths(q)
    key = n[q["answer"]]
    if list(n.values()).count(key) > 1:
        return None
    return 1 + sum(v > key for v in n.values())


def _missing_key_ranks(qs) -> list[int]:
    """The length ranks that the key never takes (untied) in these questions."""
    taken = {_key_rank(q) for q in qs}
    return [r for r in LENGTH_RANKS if r not in taken]


@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_the_key_takes_every_length_rank_in_every_quiz(quiz):
    # Keeping the key off one rank (an earlier bank was almost never the longest option) is a cue
    # too: it makes the other ranks likelier. Every rank must be the key's at least once, untied.
    qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
    missing = _missing_key_ranks(qs)
    assert not missing, (
        f"{quiz}: the key is never (untied) the option of length rank {missing} (1 = longest): "
        f"ranks {[_key_rank(q) for q in qs]}"
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9.]+", text.lower()))


def _shared_words(q) -> dict[str, int]:
    """For each option, the words it shares with the other options (summed over them)."""
    w = {k: _words(str(q["options"][k])) for k in "ABCD"}
    return {k: sum(len(w[k] & w[j]) for j in "ABCD" if j != k) for k in "ABCD"}


#: Punctuation that marks a qualified or explained option: , ; : ( ) and the dashes (a minus sign
#: counts as a hyphen).
PUNCTUATION = re.compile(r"[,;:()\u2014\u2013-]")


def _punctuation(q) -> dict[str, int]:
    return {k: len(PUNCTUATION.findall(str(q["options"][k]).strip())) for k in "ABCD"}


def _char_similarity(q) -> dict[str, float]:
    """For each option, its difflib similarity ratio to each other option, summed over them."""
    o = {k: str(q["options"][k]).strip() for k in "ABCD"}
    return {
        k: sum(difflib.SequenceMatcher(None, o[k], o[j]).ratio() for j in "ABCD" if j != k) for k in "ABCD"
    }


def _chunks(text: str) -> set[str]:
    """The lower-cased 3-character substrings of an option (spaces and punctuation included)."""
    text = text.strip().lower()
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _chunk_similarity(q) -> dict[str, float]:
    """For each option, the Jaccard overlap of its 3-character chunks with each other option's, summed."""
    c = {k: _chunks(str(q["options"][k])) for k in "ABCD"}
    return {k: sum(len(c[k] & c[j]) / max(1, len(c[k] | c[j])) for j in "ABCD" if j != k) for k in "ABCD"}


#: Words that make a claim absolute (whole words, any case).
ABSOLUTES = re.compile(
    r"\b(always|never|cannot|alone|every|any|whatever|fully|nothing|exactly|all|only|no)\b", re.I
)


def _absolutes(q) -> dict[str, int]:
    return {k: len(ABSOLUTES.findall(str(q["options"][k]))) for k in "ABCD"}


#: Words that hedge a claim (whole words, any case).
HEDGES = re.compile(
    r"\b(may|might|can|could|often|usually|typically|mostly|most|some|about|roughly|approximately|likely"
    r"|tends?|generally|rare|rarely|little|less|more)\b",
    re.I,
)


def _hedges(q) -> dict[str, int]:
    return {k: len(HEDGES.findall(str(q["options"][k]))) for k in "ABCD"}


def _hedged(q) -> dict[str, int]:
    """Hedges less absolutes: the option that sounds the most careful."""
    return {k: len(HEDGES.findall(str(q["options"][k]))) - n for k, n in _absolutes(q).items()}


#: A worked sum in an option: digits on both sides of an operator, or "= <number>".
CALCULATION = re.compile(r"\d\s*[=x\u00d7*/]\s*\d|=\s*\d")


def _calculation(q) -> dict[str, int]:
    return {k: len(CALCULATION.findall(str(q["options"][k]))) for k in "ABCD"}


def _digits(q) -> dict[str, int]:
    """How many digits an option holds: a key worked out to a number carries more of them."""
    return {k: sum(ch.isdigit() for ch in str(q["options"][k])) for k in "ABCD"}


def _distance_to_mean(q) -> dict[str, float]:
    """How far each option's length is from the mean length of the four."""
    n = _lengths(q)
    mean = sum(n.values()) / 4
    return {k: abs(n[k] - mean) for k in "ABCD"}


def _distinct_length_rank(rank: int):
    """The rule "pick the option whose length is the rank-th largest of the distinct lengths": where
    two options tie, ranks counted with repeats and ranks of distinct lengths part ways (with lengths
    90, 90, 85, 80 the second distinct length is 85, the second counted with repeats is 90). Where
    there are fewer distinct lengths than ``rank``, the shortest is meant."""

    def score(q) -> dict[str, int]:
        n = _lengths(q)
        distinct = sorted(set(n.values()), reverse=True)
        target = distinct[min(rank, len(distinct)) - 1]
        return {k: int(n[k] == target) for k in "ABCD"}

    return score


def _word_count(q) -> dict[str, int]:
    return {k: len(str(q["options"][k]).split()) for k in "ABCD"}


def _tied_length(q) -> dict[str, int]:
    """1 for an option whose length another option shares: a writer who evens out lengths may even out
    the key's against one distractor."""
    n = list(_lengths(q).values())
    return {k: int(n.count(_lengths(q)[k]) > 1) for k in "ABCD"}


def _question_overlap(q) -> dict[str, int]:
    """The words an option shares with the question's own text."""
    asked = _words(str(q["question"]))
    return {k: len(_words(str(q["options"][k])) & asked) for k in "ABCD"}


#: Marks of code in an option: underscores, backticks, brackets, and a dot between word characters
#: (dotted names such as ``p.grad``, and decimals).
CODE_MARKS = re.compile(r"[_`()\[\]]|\w\.\w")


def _code_density(q) -> dict[str, float]:
    """Code marks per word: a key written in the API's own terms can stand out among plain-prose ones."""
    return {
        k: len(CODE_MARKS.findall(str(q["options"][k]))) / max(1, len(str(q["options"][k]).split()))
        for k in "ABCD"
    }


#: Words that turn a claim into a qualified one ("X, but Y"): the careful-sounding option.
QUALIFIERS = re.compile(r"\b(but|although|though|while|yet|however)\b", re.I)


def _qualifiers(q) -> dict[str, int]:
    return {k: len(QUALIFIERS.findall(str(q["options"][k]))) for k in "ABCD"}


#: Words that give a reason or a consequence ("X, since Y", "so Z"): distractors written with a
#: justification clause, keys without one, leave the key as the option with the fewest.
CAUSAL = re.compile(r"\b(since|which|so|because|hence|thus|therefore)\b", re.I)


def _causal(q) -> dict[str, int]:
    return {k: len(CAUSAL.findall(str(q["options"][k]))) for k in "ABCD"}


def _semicolons(q) -> dict[str, int]:
    """Semicolons: the two-part "claim; consequence" form, if keys take it more than distractors."""
    return {k: str(q["options"][k]).count(";") for k in "ABCD"}


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _new_numbers(q) -> dict[str, int]:
    """Numbers in an option that the question does not state: a key worked out to a new figure."""
    asked = {float(x) for x in NUMBER.findall(str(q["question"]))}
    return {k: len({float(x) for x in NUMBER.findall(str(q["options"][k]))} - asked) for k in "ABCD"}


#: Rules a student could answer by without reading the question; ties are broken at random, so a
#: question counts as the share of the tied options that is the key.
FORM_RULES = {
    # Always the longest option, the second-longest, the third, the shortest: keys shortened so as not
    # to be the longest can leave the key the second-longest just as reliably.
    "the option of length rank 1 (longest)": _length_rank(1),
    "the option of length rank 2": _length_rank(2),
    "the option of length rank 3": _length_rank(3),
    "the option of length rank 4 (shortest)": _length_rank(4),
    # Distractors made by changing one part of the key each leave the key as the option most like
    # the others; a student who knows nothing picks it.
    "the option most like the others": _shared_words,
    # The key is often the option that qualifies or explains itself ("X, since Y; not Z"), and a
    # quick wrong option the bare claim: counting commas, colons, brackets and dashes finds it.
    "the most punctuated option": lambda q: _punctuation(q),
    # ... and where the wrong options carry the explanations, the key is the plain one.
    "the least punctuated option": lambda q: {k: -n for k, n in _punctuation(q).items()},
    # Distractors written as near copies of the key (one number or one word changed each) leave the
    # key the most similar to the others character by character, even where no word is shared.
    "the option most like the others, character by character": lambda q: _char_similarity(q),
    # Distractors that reuse the key's phrases in another order or another form ("clipped gradients"
    # against "gradients are kept unclipped") leave the key the one that overlaps most with the others
    # by 3-character chunks; difflib's ratio follows the order of the text and the word rule wants
    # whole words, so both miss it.
    "the option most like the others, by 3-character chunks": lambda q: _chunk_similarity(q),
    # Wrong options made wrong by overclaiming ("always", "never", "cannot", "only") leave the key as
    # the one hedged claim: a student who knows nothing picks the option with the fewest absolutes.
    "the option with the fewest absolute words": lambda q: {k: -n for k, n in _absolutes(q).items()},
    # ... or the option that hedges most ("can", "often", "about"), or hedges less absolutes.
    "the option with the most hedges": lambda q: _hedges(q),
    "the option with the most hedges less absolutes": lambda q: _hedged(q),
    # A key worked out to a precise figure ("0.031 = 0.1 x 0.31") carries more digits than wrong
    # options that name a round number or none; the other way round, fewer.
    "the option with the most digits": lambda q: _digits(q),
    "the option with the fewest digits": lambda q: {k: -n for k, n in _digits(q).items()},
    # A key that shows its working ("lr x 0.05 = 0.005") against wrong options that only assert.
    "the option that shows a calculation": lambda q: _calculation(q),
    # A writer who keeps the key from being the longest or the shortest tends to leave it the most
    # average: nearest the mean length; one who pads or trims it, furthest from the mean.
    "the option whose length is closest to the mean": lambda q: {
        k: -d for k, d in _distance_to_mean(q).items()
    },
    "the option whose length is furthest from the mean": lambda q: _distance_to_mean(q),
    # Length ranks again, counted over distinct lengths: ties evened out between a key and one
    # distractor shift these ranks and not the ones above.
    "the option of distinct length rank 1 (longest)": _distinct_length_rank(1),
    "the option of distinct length rank 2": _distinct_length_rank(2),
    "the option of distinct length rank 3": _distinct_length_rank(3),
    "the option of distinct length rank 4 (shortest)": _distinct_length_rank(4),
    "the option that shares its length with another": _tied_length,
    # Length in words rather than in characters: long formulas and numbers are one word each.
    "the option with the most words": lambda q: _word_count(q),
    "the option with the fewest words": lambda q: {k: -n for k, n in _word_count(q).items()},
    # The key that echoes the question's words, or the one that avoids them.
    "the option that shares the most words with the question": lambda q: _question_overlap(q),
    "the option that shares the fewest words with the question": lambda q: {
        k: -n for k, n in _question_overlap(q).items()
    },
    # Found by an adversary given only the release quizzes (each scored 7 of 18 on quiz 3 once):
    "the option with the most code marks per word": _code_density,
    "the option with a qualifier (but, although, ...)": _qualifiers,
    "the option with the most numbers the question does not state": _new_numbers,
    # ... and a second adversary: 38 options with more causal words than the fewest held 2 keys.
    "the option with the fewest causal words (since, so, which, ...)": lambda q: {
        k: -n for k, n in _causal(q).items()
    },
    "the option with the most causal words (since, so, which, ...)": _causal,
    # ... and a third: the only option with a semicolon was the key in all 4 such questions.
    "the option with the most semicolons": _semicolons,
    "the option with the fewest semicolons": lambda q: {k: -n for k, n in _semicolons(q).items()},
}


def expected_score(qs, rule) -> float:
    total = 0.0
    for q in qs:
        score = rule(q)
        best = [k for k in "ABCD" if score[k] == max(score.values())]
        total += (q["answer"] in best) / len(best)
    return total


@pytest.mark.parametrize("rule", list(FORM_RULES))
@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_no_rule_about_the_options_form_scores_more_than_a_third(quiz, rule):
    qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
    got = expected_score(qs, FORM_RULES[rule])
    assert got <= len(qs) / 3, (
        f"{quiz}: always choosing {rule} (ties at random) scores {got:.2f} of {len(qs)} on average; "
        f"at most a third is allowed"
    )


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_a_key_is_never_much_longer_or_shorter_than_every_wrong_option(q):
    n = _lengths(q)
    key, wrong = n[q["answer"]], [n[k] for k in "ABCD" if k != q["answer"]]
    assert key <= KEY_MARGIN_FACTOR * max(wrong) + KEY_MARGIN_CHARS, (
        f"{q['id']}: the key has {key} characters, the longest wrong option {max(wrong)}: rewrite the options to equal weight"
    )
    assert min(wrong) <= KEY_MARGIN_FACTOR * key + KEY_MARGIN_CHARS, (
        f"{q['id']}: the key has {key} characters, every wrong option at least {min(wrong)}: rewrite the options to equal weight"
    )


def sequence_scores(keys: str) -> dict[str, float]:
    """What answering by position scores: each cyclic order of the letters (A B C D A ..., from
    any letter, forwards or backwards), and "the previous question's key" (the first question is
    then a guess, 1/4)."""
    out: dict[str, float] = {}
    for order in ("ABCD", "DCBA"):
        for start in range(4):
            out[f"{order} cycle from {order[start]}"] = sum(
                k == order[(i + start) % 4] for i, k in enumerate(keys)
            )
    out["the previous key"] = 0.25 + sum(keys[i] == keys[i - 1] for i in range(1, len(keys)))
    return out


@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_no_pattern_of_positions_scores_more_than_a_third(quiz):
    keys = "".join(q["answer"] for q in build_quizzes.quiz_questions(QUESTIONS, quiz))
    over = {rule: got for rule, got in sequence_scores(keys).items() if got > len(keys) / 3}
    assert not over, f"{quiz}: keys {keys}: answering by {over} beats a third of {len(keys)}"


def key_repeats(keys: str) -> int:
    """How often a question's key is the previous question's key."""
    return sum(keys[i] == keys[i - 1] for i in range(1, len(keys)))


def min_key_repeats(n: int) -> int:
    """The fewest repeats a quiz of ``n`` questions may have: one below the nearest whole number to what
    random keys give, (n - 1) / 4."""
    return max(0, round((n - 1) / 4) - 1)


@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_keys_repeat_the_previous_key_about_as_often_as_chance(quiz):
    # A bank whose keys avoid repeating the previous key (a writer spreading letters by hand does) lets
    # a student who knows the previous answer rule that letter out and guess among three: with no
    # repeats at all that is 1/3 per question instead of 1/4 (an earlier bank: 4 repeats in 42 pairs).
    keys = "".join(q["answer"] for q in build_quizzes.quiz_questions(QUESTIONS, quiz))
    assert key_repeats(keys) >= min_key_repeats(len(keys)), (
        f"{quiz}: keys {keys} repeat the previous key {key_repeats(keys)} times; random keys would "
        f"about {(len(keys) - 1) / 4:.1f} times, at least {min_key_repeats(len(keys))} needed"
    )


def test_the_position_check_can_fail():
    assert key_repeats("ABCDABCDABCD") == 0 < min_key_repeats(12) == 2
    assert key_repeats("AABCDDBCCADB") == 3
    assert sequence_scores("ABCDABCD")["ABCD cycle from A"] == 8
    assert sequence_scores("BCDABCDA")["ABCD cycle from B"] == 8
    assert sequence_scores("DCBADCBA")["DCBA cycle from D"] == 8
    assert sequence_scores("AABB")["the previous key"] == 2.25
    assert max(sequence_scores("ACBDBDAC").values()) <= 8 / 3


@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_keys_are_balanced_over_the_letters_in_every_quiz(quiz):
    # Within one of an even spread: always answering one letter then scores at most n/4 + 1 of n
    # (4 of 12, 4 of 15, 3 of 10), and every letter is used.
    keys = [q["answer"] for q in build_quizzes.quiz_questions(QUESTIONS, quiz)]
    counts = collections.Counter(keys)
    assert all(abs(counts[k] - len(keys) / 4) <= 1 for k in "ABCD"), (
        f"{quiz}: keys per letter {dict(sorted(counts.items()))} for {len(keys)} questions: keep within 1 of {len(keys) / 4:g}"
    )


def test_the_form_checks_can_fail():
    longest = {
        "answer": "B",
        "options": {"A": "short", "B": "a much longer correct option", "C": "tiny", "D": "brief"},
    }
    assert _key_is(longest, "longest") and not _key_is(longest, "shortest")
    tie = {"answer": "A", "options": {"A": "13.0", "B": "17.0", "C": "9.5", "D": "169.0"}}
    assert not _key_is(tie, "longest") and not _key_is(tie, "shortest")
    assert expected_score([tie], FORM_RULES["the option of length rank 1 (longest)"]) == 0.0
    assert expected_score([tie], FORM_RULES["the option of length rank 4 (shortest)"]) == 0.0
    # "13.0" and "17.0" share ranks 2 and 3: each rule about them gets half of the question.
    assert expected_score([tie], FORM_RULES["the option of length rank 2"]) == 0.5
    assert expected_score([tie], FORM_RULES["the option of length rank 3"]) == 0.5
    assert _key_rank(tie) is None
    # Keys kept off the longest place, but always second-longest: the rank-2 rule scores every one,
    # the longest rule none, and the rank test sees that rank 1 is never the key's.
    second = [
        {
            "answer": "A",
            "options": {"A": "a fairly long key", "B": "the longest wrong option", "C": "short", "D": "tiny"},
        },
        {
            "answer": "C",
            "options": {"A": "tiny", "B": "the longest wrong option", "C": "a fairly long key", "D": "short"},
        },
        {
            "answer": "D",
            "options": {"A": "short", "B": "tiny", "C": "the longest wrong option", "D": "a fairly long key"},
        },
    ]
    assert not any(_key_is(q, "longest") or _key_is(q, "shortest") for q in second)
    assert expected_score(second, FORM_RULES["the option of length rank 1 (longest)"]) == 0.0
    assert expected_score(second, FORM_RULES["the option of length rank 2"]) == 3.0 > len(second) / 3
    assert [_key_rank(q) for q in second] == [2, 2, 2]
    assert _missing_key_ranks(second) == [1, 3, 4]
    central = {
        "answer": "C",
        "options": {
            "A": "5.0 [0.6, -0.8]",
            "B": "4.0 [1.0, -1.0]",
            "C": "4.0 [0.75, -1.0]",
            "D": "1.0 [0.75, -1.0]",
        },
    }
    assert expected_score([central], FORM_RULES["the option most like the others"]) == 1.0
    # The key alone explains itself; the wrong options are bare claims.
    qualified = {
        "answer": "D",
        "options": {
            "A": "It diverges within 100 steps.",
            "B": "The loss turns NaN at once.",
            "C": "Nothing changes in the run.",
            "D": "It converges (slowly, at 0.5).",
        },
    }
    assert expected_score([qualified], FORM_RULES["the most punctuated option"]) == 1.0
    assert expected_score([qualified], FORM_RULES["the least punctuated option"]) == 0.0
    # The wrong options all explain themselves; the key is the bare one.
    plain = {
        "answer": "A",
        "options": {
            "A": "The step is 10 long.",
            "B": "The step is 5 long: max_norm, no lr.",
            "C": "The step is 2 long (lr alone).",
            "D": "The step is 10 000 long, unclipped.",
        },
    }
    assert expected_score([plain], FORM_RULES["the least punctuated option"]) == 1.0
    assert expected_score([plain], FORM_RULES["the most punctuated option"]) == 0.0
    # Near copies of the key, each one digit off: no option shares a word with another, so the word
    # rule is left to chance, but character by character the key is the one most like the others.
    copies = {"answer": "A", "options": {"A": "0.0052", "B": "0.0057", "C": "0.0152", "D": "0.0042"}}
    assert expected_score([copies], FORM_RULES["the option most like the others"]) == 0.25
    assert (
        expected_score([copies], FORM_RULES["the option most like the others, character by character"]) == 1.0
    )
    # The distractors reuse the key's phrases, reordered or inflected: difflib's ratio (which follows
    # the order of the text) ranks the key last, but by 3-character chunks it overlaps most with them.
    reordered = {
        "answer": "C",
        "options": {
            "A": "directions turn when clipping",
            "B": "gradients are kept unclipped",
            "C": "clipped gradients keep their direction",
            "D": "the direction of a clip is kept",
        },
    }
    by_characters = FORM_RULES["the option most like the others, character by character"]
    by_chunks = FORM_RULES["the option most like the others, by 3-character chunks"]
    assert expected_score([reordered], by_characters) == 0.0
    assert expected_score([reordered], by_chunks) == 1.0
    # Every wrong option overclaims; the key is the one claim without an absolute ("not" and "known"
    # are no absolutes: whole words only).
    overclaims = {
        "answer": "C",
        "options": {
            "A": "Clipping always helps a little.",
            "B": "It never fires on a small model.",
            "C": "It is not needed on this known task.",
            "D": "It is exactly the unclipped run.",
        },
    }
    assert _absolutes(overclaims) == {"A": 1, "B": 1, "C": 0, "D": 1}
    assert expected_score([overclaims], FORM_RULES["the option with the fewest absolute words"]) == 1.0
    # A careful key among overclaims; a key worked out to a figure among round guesses.
    assert _hedged(overclaims)["C"] == max(_hedged(overclaims).values())
    worked = {
        "answer": "B",
        "options": {
            "A": "About ten steps, since the clip fires often.",
            "B": "Each step is lr x 0.05 = 0.005 long, whatever the gradient.",
            "C": "The loss halves every epoch.",
            "D": "Steps of 1 are taken, as before.",
        },
    }
    assert _digits(worked) == {"A": 0, "B": 7, "C": 0, "D": 1}
    assert expected_score([worked], FORM_RULES["the option with the most digits"]) == 1.0
    assert expected_score([worked], FORM_RULES["the option with the fewest digits"]) == 0.0
    assert expected_score([worked], FORM_RULES["the option that shows a calculation"]) == 1.0
    # Lengths 90, 70, 50, 10 (mean 55): the key C, at 50, is nearest the mean; D furthest from it.
    average = {"answer": "C", "options": {"A": "a" * 90, "B": "b" * 70, "C": "c" * 50, "D": "d" * 10}}
    assert expected_score([average], FORM_RULES["the option whose length is closest to the mean"]) == 1.0
    assert expected_score([average], FORM_RULES["the option whose length is furthest from the mean"]) == 0.0
    # Lengths 90, 90, 85, 80 with the key at 85: rank 3 counted with repeats, rank 2 among distinct
    # lengths; and the key is no option that shares its length.
    evened = {"answer": "C", "options": {"A": "a" * 90, "B": "b" * 90, "C": "c" * 85, "D": "d" * 80}}
    assert expected_score([evened], FORM_RULES["the option of length rank 3"]) == 1.0
    assert expected_score([evened], FORM_RULES["the option of distinct length rank 2"]) == 1.0
    assert expected_score([evened], FORM_RULES["the option of distinct length rank 3"]) == 0.0
    assert expected_score([evened], FORM_RULES["the option that shares its length with another"]) == 0.0
    # Counted in words, the long formula is one word and the key (four short words) the longest.
    wordy = {
        "answer": "A",
        "options": {"A": "it is not clipped", "B": "lr*max_norm/total_norm", "C": "no", "D": "yes"},
    }
    assert expected_score([wordy], FORM_RULES["the option with the most words"]) == 1.0
    assert expected_score([wordy], FORM_RULES["the option of length rank 1 (longest)"]) == 0.0
    echo = {
        "question": "Which norm does clip_grad_norm_ return?",
        "answer": "B",
        "options": {"A": "The loss.", "B": "The norm clip_grad_norm_ saw.", "C": "Zero.", "D": "Nothing."},
    }
    assert (
        expected_score([echo], FORM_RULES["the option that shares the most words with the question"]) == 1.0
    )
    coded = {
        "question": "Which call returns 2.5?",
        "answer": "D",
        "options": {
            "A": "the norm",
            "B": "it is 2.5 always",
            "C": "nothing, but it prints",
            "D": "p.grad.norm() = 7.1",
        },
    }
    assert expected_score([coded], FORM_RULES["the option with the most code marks per word"]) == 1.0
    assert expected_score([coded], FORM_RULES["the option with a qualifier (but, although, ...)"]) == 0.0
    assert _qualifiers(coded)["C"] == 1
    # 2.5 is in the question; 7.1 is new (and "p.grad.norm()" holds no number).
    assert _new_numbers(coded) == {"A": 0, "B": 0, "C": 0, "D": 1}
    justified = {
        "answer": "B",
        "options": {
            "A": "It diverges, since lr is large.",
            "B": "It converges.",
            "C": "So it stalls.",
            "D": "It oscillates, which is normal.",
        },
    }
    assert (
        expected_score(
            [justified], FORM_RULES["the option with the fewest causal words (since, so, which, ...)"]
        )
        == 1.0
    )
    two_part = {
        "answer": "D",
        "options": {
            "A": "It diverges.",
            "B": "It stalls.",
            "C": "It converges.",
            "D": "It clips; the step shrinks.",
        },
    }
    assert expected_score([two_part], FORM_RULES["the option with the most semicolons"]) == 1.0
    assert expected_score([two_part], FORM_RULES["the option with the fewest semicolons"]) == 0.0


# --- Difficulty ---------------------------------------------------------------------------------------
DIFFICULTIES = ("easy", "medium", "hard")
MIN_HARD_SHARE = 0.25


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_every_question_has_a_difficulty(q):
    assert q.get("difficulty") in DIFFICULTIES, (
        f"{q['id']}: difficulty {q.get('difficulty')!r}, expected one of {DIFFICULTIES}"
    )


def _is_table(text: str) -> bool:
    return bool(re.search(r"^\s*\|[-| :]+\|\s*$", text, re.M))


@pytest.mark.parametrize("quiz", QUIZ_IDS)
def test_every_quiz_spreads_its_difficulty(quiz):
    qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
    levels = collections.Counter(q.get("difficulty") for q in qs)
    assert levels["hard"] >= MIN_HARD_SHARE * len(qs), (
        f"{quiz}: {levels['hard']} hard questions of {len(qs)}, at least a quarter are required ({dict(levels)})"
    )
    assert all(levels[d] for d in DIFFICULTIES), f"{quiz}: not every difficulty is present: {dict(levels)}"
    # Hard means work to do, not a harder fact to recall: at least one hard question has code to predict
    # or a table to judge.
    worked = [
        q["id"]
        for q in qs
        if q.get("difficulty") == "hard" and (q.get("snippet") or _is_table(q["question"]))
    ]
    assert worked, f"{quiz}: no hard question has a snippet or a table"


# --- Explanations address every option ----------------------------------------------------------------
# Convention: the explanation first says, in words, why the key is right (without naming its letter),
# then takes each wrong option in turn, marked "(A)", "(B)", ... and says why it is wrong.
OPTION_MARK = re.compile(r"\(([A-D])\)")
MIN_KEY_WORDS, MIN_WRONG_WORDS = 8, 5


def explanation_parts(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The part before the first option mark, and (letter, text) for each marked part."""
    pieces = OPTION_MARK.split(" ".join(text.split()))
    return pieces[0], list(zip(pieces[1::2], pieces[2::2]))


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_the_explanation_says_why_each_wrong_option_is_wrong(q):
    key = q["answer"]
    lead, parts = explanation_parts(q["explanation"])
    marked = {letter for letter, _ in parts}
    wrong = set("ABCD") - {key}
    assert wrong <= marked, (
        f"{q['id']}: the explanation does not take up option(s) {sorted(wrong - marked)}: mark each as '(X) why it is wrong'"
    )
    assert key not in marked, (
        f"{q['id']}: the explanation marks the key ({key}); explain the key in words first"
    )
    assert len(lead.split()) >= MIN_KEY_WORDS, f"{q['id']}: say why the key is right before the wrong options"
    short = [letter for letter, body in parts if len(body.split()) < MIN_WRONG_WORDS]
    assert not short, f"{q['id']}: the reason given for option(s) {short} is too short to explain anything"


def test_the_explanation_check_can_fail():
    lead, parts = explanation_parts(
        "Because the norm is global, it is 13. (A) wrong. (B) sums the norms, not squares."
    )
    assert len(lead.split()) >= MIN_KEY_WORDS and [p[0] for p in parts] == ["A", "B"]
    assert len(parts[0][1].split()) < MIN_WRONG_WORDS  # "(A) wrong." says nothing


RUNNER = r"""
import contextlib, io, json, sys, traceback
out = {}
for qid, src in json.load(sys.stdin):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(src, qid, "exec"), {"__name__": "__snippet__"})
        out[qid] = {"stdout": buf.getvalue()}
    except Exception:
        out[qid] = {"stdout": buf.getvalue(), "error": traceback.format_exc()}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def snippet_outputs() -> dict:
    """Run every snippet once, each in a fresh namespace, in one subprocess (one torch import)."""
    payload = json.dumps([(q["id"], q["snippet"]) for q in SNIPPETS])
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=payload,
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", f"snippets wrote to stderr (warnings?):\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_there_are_code_reading_questions():
    assert len(SNIPPETS) >= 8


@pytest.mark.parametrize("q", SNIPPETS, ids=lambda q: q["id"])
def test_snippet_prints_what_the_key_says(q, snippet_outputs):
    got = snippet_outputs[q["id"]]
    assert "error" not in got, f"{q['id']}: the snippet raised:\n{got['error']}"
    stdout = got["stdout"].strip()
    expected = str(q["expect"]).strip() if "expect" in q else str(q["options"][q["answer"]]).strip()
    assert stdout == expected, f"{q['id']}: the snippet prints {stdout!r}, the key says {expected!r}"
    # No other option may be exactly what the snippet prints.
    others = [k for k in "ABCD" if k != q["answer"] and str(q["options"][k]).strip() == stdout]
    assert not others, f"{q['id']}: option(s) {others} also match the output"


def test_committed_quiz_notebooks_are_built_from_the_bank():
    stale = build_quizzes.stale_quizzes(QUESTIONS)
    assert not stale, f"quiz notebooks {stale} are stale: run `make quizzes` (then `make release`)"


def test_building_is_deterministic():
    for quiz in build_quizzes.QUIZZES:
        a = nbformat.writes(build_quizzes.build_quiz(quiz, build_quizzes.load_bank()))
        b = nbformat.writes(build_quizzes.build_quiz(quiz, build_quizzes.load_bank()))
        assert a == b, f"{quiz}: two builds differ"


def test_quiz_notebooks_hold_every_question_once_with_one_point():
    seen = 0
    for quiz in build_quizzes.QUIZZES:
        nb = nbformat.read(str(SOLUTIONS / quiz / f"{quiz}.ipynb"), as_version=4)
        qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len(tests) == len(qs) and all(c.metadata["nbgrader"]["points"] == 1 for c in tests)
        seen += len(qs)
        # Stored outputs: the explanation printed by each (hidden) test, nothing on stderr.
        for c in tests:
            streams = [o for o in c.get("outputs", []) if o.get("output_type") == "stream"]
            assert streams and all(o["name"] == "stdout" for o in streams), (
                f"{quiz}/{c.id}: outputs {c.outputs}"
            )
    assert seen == len(QUESTIONS), "some bank questions belong to no quiz"
