# %% answer_q01
raise ValueError("not sure")
answer_q01 = "C"

# %% answer_q02
raise ValueError("not sure")
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
