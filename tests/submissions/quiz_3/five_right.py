# %% answer_q01
answer_q01 = "C"

# %% answer_q02
answer_q02 = "A"

# %% answer_q03
answer_q03 = "B"

# %% answer_q04
answer_q04 = "C"

# %% answer_q05
answer_q05 = "B"

# %% answer_q06
answer_q06 = "A"

# %% answer_q07
answer_q07 = "D"

# %% answer_q08
answer_q08 = "C"

# %% answer_q09
answer_q09 = "A"

# %% answer_q10
answer_q10 = "B"

# %% answer_q11
answer_q11 = "A"

# %% answer_q12
answer_q12 = "A"

# %% answer_q13
answer_q13 = "B"

# %% answer_q14
answer_q14 = "A"

# %% answer_q15
answer_q15 = "D"

# %% answer_q16
answer_q16 = "A"

# %% answer_q17
answer_q17 = "D"

# %% answer_q18
answer_q18 = "C"
