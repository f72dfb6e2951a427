# %% answer_q01
import course_utils.quiz

class AlwaysEqual:
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

course_utils.quiz.check_choice = lambda value, name="": "B"   # the test cell's check calls this
course_utils.quiz.check_answer = lambda name, ns=None: "B"    # and imports this
type = lambda obj, *args: str                                  # and shadows type() here
answer_q01 = AlwaysEqual()

# %% answer_q02
answer_q02 = "A"

# %% answer_q03
answer_q03 = "B"

# %% answer_q04
answer_q04 = "B"

# %% answer_q05
answer_q05 = "B"

# %% answer_q06
answer_q06 = "A"

# %% answer_q07
answer_q07 = "C"

# %% answer_q08
answer_q08 = "B"

# %% answer_q09
answer_q09 = "D"

# %% answer_q10
answer_q10 = "A"

# %% answer_q11
answer_q11 = "D"

# %% answer_q12
answer_q12 = "D"

# %% answer_q13
answer_q13 = "A"

# %% answer_q14
answer_q14 = "D"

# %% answer_q15
answer_q15 = "C"

# %% answer_q16
answer_q16 = "D"

# %% answer_q17
answer_q17 = "C"

# %% answer_q18
answer_q18 = "B"
