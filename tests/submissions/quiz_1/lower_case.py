# %% answer_q01
answer_q01 = "b"

# %% answer_q02
answer_q02 = "b"

# %% answer_q03
answer_q03 = "d"

# %% answer_q04
answer_q04 = "a"

# %% answer_q05
answer_q05 = "d"

# %% answer_q06
answer_q06 = "a"

# %% answer_q07
answer_q07 = "a"

# %% answer_q08
answer_q08 = "c"

# %% answer_q09
answer_q09 = "a"

# %% answer_q10
answer_q10 = "c"

# %% answer_q11
answer_q11 = "c"

# %% answer_q12
answer_q12 = "b"
