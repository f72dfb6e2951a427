# %% answer_q01
answer_q01 = "a"

# %% answer_q02
answer_q02 = "a"

# %% answer_q03
answer_q03 = "c"

# %% answer_q04
answer_q04 = "d"

# %% answer_q05
answer_q05 = "b"

# %% answer_q06
answer_q06 = "c"

# %% answer_q07
answer_q07 = "b"

# %% answer_q08
answer_q08 = "c"

# %% answer_q09
answer_q09 = "d"

# %% answer_q10
answer_q10 = "a"
