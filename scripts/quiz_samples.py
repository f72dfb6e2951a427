"""Write the quiz samples tests/submissions/quiz_N/*.py and their expected_scores.csv.

Run after changing the bank (``python scripts/quiz_samples.py``): the samples follow the bank's keys,
so adding or reordering a question changes them.  tests/test_autograde.py grades every sample.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_quizzes as bq  # noqa: E402 (scripts/ is put on the path first)

L = "ABCD"


def wrong(k):
    return L[(L.index(k) + 1) % 4]


CHEAT_DEFS = '''class AlwaysEqual:
    """Claims to equal anything."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def strip(self, *args):
        return self
    def upper(self):
        return self


class SneakyStr(str):
    """A str subclass that also claims to equal anything."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__
    def strip(self, *args):
        return self
    def upper(self):
        return self

'''


def write(quiz):
    keys = [q["answer"] for q in bq.quiz_questions(bq.load_bank(), quiz)]
    n = len(keys)
    d = ROOT / "tests" / "submissions" / quiz
    d.mkdir(parents=True, exist_ok=True)
    students = {}

    def sample(name, answers, scores, header=None):
        parts = []
        for i, a in enumerate(answers, start=1):
            pre = header if (i == 1 and header) else ""
            parts.append(f"# %% answer_q{i:02d}\n{pre}{a}\n")
        (d / f"{name}.py").write_text("\n".join(parts))
        students[name] = scores

    def var(i):
        return f"answer_q{i:02d}"

    # all right, written in single quotes
    sample("correct", [f"{var(i)} = '{k}'" for i, k in enumerate(keys, 1)], [1] * n)
    # exactly five right, the others a wrong letter
    sample(
        "five_right",
        [f'{var(i)} = "{k if i <= 5 else wrong(k)}"' for i, k in enumerate(keys, 1)],
        [1 if i <= 5 else 0 for i in range(1, n + 1)],
    )
    # lower case is accepted by the format rule
    sample("lower_case", [f'{var(i)} = "{k.lower()}"' for i, k in enumerate(keys, 1)], [1] * n)
    # surrounding spaces (and a newline) are accepted; case mixed with spaces too
    sp = ['" {} "', '"{}  "', '"\\t{}\\n"', '"  {}"']
    sample(
        "spaces",
        [f"{var(i)} = {sp[i % 4].format(k if i % 2 else k.lower())}" for i, k in enumerate(keys, 1)],
        [1] * n,
    )
    # odd questions right; even ones the right letter in a wrong format (never a point)
    bad = ['["{}"]', '("{}",)', '"{}{}"', '"{})"', '"{}."', 'b"{}"', '{{"{}"}}', '"option {}"']
    ans, sc = [], []
    for i, k in enumerate(keys, 1):
        if i % 2:
            ans.append(f'{var(i)} = "{k}"')
            sc.append(1)
        else:
            fmt = bad[(i // 2 - 1) % len(bad)]
            ans.append(f"{var(i)} = {fmt.format(k, k) if fmt.count('{}') == 2 else fmt.format(k)}")
            sc.append(0)
    sample("wrong_formats", ans, sc)
    # objects that claim to equal every letter: never a point
    ans = [
        f"{var(i)} = {'AlwaysEqual()' if i % 2 else f'SneakyStr({chr(34)}{k}{chr(34)})'}"
        for i, k in enumerate(keys, 1)
    ]
    sample("equals_everything", ans, [0] * n, header=CHEAT_DEFS)
    # shadows builtins the tests might use, then answers right: full marks
    shadow = (
        "type = lambda obj: str\nstr = lambda *args: 'A'\nprint = None\nisinstance = lambda *a: True\n"
        "len = lambda obj: 1\n"
    )
    sample("shadows_builtins", [f'{var(i)} = "{k}"' for i, k in enumerate(keys, 1)], [1] * n, header=shadow)
    # shadows type/str so that a naive check would accept an impostor: no point
    shadow_cheat = CHEAT_DEFS + "str = AlwaysEqual\ntype = lambda obj: AlwaysEqual\n"
    sample(
        "shadow_cheat", [f"{var(i)} = AlwaysEqual()" for i in range(1, n + 1)], [0] * n, header=shadow_cheat
    )
    # the first two answer cells raise; the rest are right
    ans = [
        f'raise ValueError("not sure")\n{var(i)} = "{k}"' if i <= 2 else f'{var(i)} = "{k}"'
        for i, k in enumerate(keys, 1)
    ]
    sample("raises", ans, [0, 0] + [1] * (n - 2))
    # replaces the library's format check and shadows type() so that an impostor passes question 1,
    # then answers the rest honestly: the hidden check does not rely on either
    patch = (
        "import course_utils.quiz\n\n"
        + CHEAT_DEFS
        + 'course_utils.quiz.check_choice = lambda value, name="": "B"   # the test cell\'s check calls this\n'
        'course_utils.quiz.check_answer = lambda name, ns=None: "B"    # and imports this\n'
        "type = lambda obj, *args: str                                  # and shadows type() here\n"
    )
    sample(
        "patch_library",
        ["answer_q01 = AlwaysEqual()"] + [f'{var(i)} = "{k}"' for i, k in enumerate(keys, 1)][1:],
        [0] + [1] * (n - 1),
        header=patch,
    )
    students["untouched"] = [0] * n
    cols = [f"test_q{i:02d}" for i in range(1, n + 1)]
    lines = ["student," + ",".join(cols) + ",total"]
    order = [
        "correct",
        "untouched",
        "five_right",
        "lower_case",
        "spaces",
        "wrong_formats",
        "equals_everything",
        "shadows_builtins",
        "shadow_cheat",
        "raises",
        "patch_library",
    ]
    for s in order:
        lines.append(s + "," + ",".join(str(v) for v in students[s]) + f",{sum(students[s])}")
    (d / "expected_scores.csv").write_text("\n".join(lines) + "\n")
    print(quiz, n, keys)


if __name__ == "__main__":
    for quiz in bq.QUIZZES:
        write(quiz)
