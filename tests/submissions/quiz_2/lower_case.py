# %% answer_q01
answer_q01 = "c"

# %% answer_q02
answer_q02 = "b"

# %% answer_q03
answer_q03 = "a"

# %% answer_q04
answer_q04 = "d"

# %% answer_q05
answer_q05 = "b"

# %% answer_q06
answer_q06 = "c"

# %% answer_q07
answer_q07 = "a"

# %% answer_q08
answer_q08 = "c"

# %% answer_q09
answer_q09 = "b"

# %% answer_q10
answer_q10 = "d"

# %% answer_q11
answer_q11 = "c"

# %% answer_q12
answer_q12 = "a"

# %% answer_q13
answer_q13 = "d"

# %% answer_q14
answer_q14 = "b"

# %% answer_q15
answer_q15 = "a"
