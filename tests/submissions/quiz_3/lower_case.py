# %% answer_q01
answer_q01 = "c"

# %% answer_q02
answer_q02 = "a"

# %% answer_q03
answer_q03 = "b"

# %% answer_q04
answer_q04 = "b"

# %% answer_q05
answer_q05 = "b"

# %% answer_q06
answer_q06 = "a"

# %% answer_q07
answer_q07 = "c"

# %% answer_q08
answer_q08 = "b"

# %% answer_q09
answer_q09 = "d"

# %% answer_q10
answer_q10 = "a"

# %% answer_q11
answer_q11 = "d"

# %% answer_q12
answer_q12 = "d"

# %% answer_q13
answer_q13 = "a"

# %% answer_q14
answer_q14 = "d"

# %% answer_q15
answer_q15 = "c"

# %% answer_q16
answer_q16 = "d"

# %% answer_q17
answer_q17 = "c"

# %% answer_q18
answer_q18 = "b"
