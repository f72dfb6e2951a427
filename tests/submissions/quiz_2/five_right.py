# %% answer_q01
answer_q01 = "A"

# %% answer_q02
answer_q02 = "D"

# %% answer_q03
answer_q03 = "D"

# %% answer_q04
answer_q04 = "B"

# %% answer_q05
answer_q05 = "C"

# %% answer_q06
answer_q06 = "B"

# %% answer_q07
answer_q07 = "D"

# %% answer_q08
answer_q08 = "D"

# %% answer_q09
answer_q09 = "A"

# %% answer_q10
answer_q10 = "C"

# %% answer_q11
answer_q11 = "B"

# %% answer_q12
answer_q12 = "B"

# %% answer_q13
answer_q13 = "D"

# %% answer_q14
answer_q14 = "C"

# %% answer_q15
answer_q15 = "C"
