# %% answer_q01
answer_q01 = "a"

# %% answer_q02
answer_q02 = "d"

# %% answer_q03
answer_q03 = "d"

# %% answer_q04
answer_q04 = "b"

# %% answer_q05
answer_q05 = "c"

# %% answer_q06
answer_q06 = "a"

# %% answer_q07
answer_q07 = "c"

# %% answer_q08
answer_q08 = "c"

# %% answer_q09
answer_q09 = "d"

# %% answer_q10
answer_q10 = "b"

# %% answer_q11
answer_q11 = "a"

# %% answer_q12
answer_q12 = "a"

# %% answer_q13
answer_q13 = "c"

# %% answer_q14
answer_q14 = "b"

# %% answer_q15
answer_q15 = "b"
