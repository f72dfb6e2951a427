# %% answer_q01
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

answer_q01 = AlwaysEqual()

# %% answer_q02
answer_q02 = SneakyStr("A")

# %% answer_q03
answer_q03 = SneakyStr("B")

# %% answer_q04
answer_q04 = AlwaysEqual()

# %% answer_q05
answer_q05 = AlwaysEqual()

# %% answer_q06
answer_q06 = AlwaysEqual()

# %% answer_q07
answer_q07 = SneakyStr("C")

# %% answer_q08
answer_q08 = SneakyStr("B")

# %% answer_q09
answer_q09 = AlwaysEqual()

# %% answer_q10
answer_q10 = SneakyStr("A")

# %% answer_q11
answer_q11 = AlwaysEqual()

# %% answer_q12
answer_q12 = SneakyStr("D")

# %% answer_q13
answer_q13 = AlwaysEqual()

# %% answer_q14
answer_q14 = SneakyStr("D")

# %% answer_q15
answer_q15 = AlwaysEqual()

# %% answer_q16
answer_q16 = SneakyStr("D")

# %% answer_q17
answer_q17 = AlwaysEqual()

# %% answer_q18
answer_q18 = SneakyStr("B")
