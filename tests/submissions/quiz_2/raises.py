# %% answer_q01
raise ValueError("not sure")
answer_q01 = "A"

# %% answer_q02
raise ValueError("not sure")
answer_q02 = "D"

# %% answer_q03
answer_q03 = "D"

# %% answer_q04
answer_q04 = "B"

# %% answer_q05
answer_q05 = "C"

# %% answer_q06
answer_q06 = "A"

# %% answer_q07
answer_q07 = "C"

# %% answer_q08
answer_q08 = "C"

# %% answer_q09
answer_q09 = "D"

# %% answer_q10
answer_q10 = "B"

# %% answer_q11
answer_q11 = "A"

# %% answer_q12
answer_q12 = "A"

# %% answer_q13
answer_q13 = "C"

# %% answer_q14
answer_q14 = "B"

# %% answer_q15
answer_q15 = "B"
