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
answer_q02 = SneakyStr("B")

# %% answer_q03
answer_q03 = AlwaysEqual()

# %% answer_q04
answer_q04 = SneakyStr("A")

# %% answer_q05
answer_q05 = AlwaysEqual()

# %% answer_q06
answer_q06 = SneakyStr("A")

# %% answer_q07
answer_q07 = AlwaysEqual()

# %% answer_q08
answer_q08 = SneakyStr("C")

# %% answer_q09
answer_q09 = AlwaysEqual()

# %% answer_q10
answer_q10 = SneakyStr("C")

# %% answer_q11
answer_q11 = AlwaysEqual()

# %% answer_q12
answer_q12 = SneakyStr("B")
