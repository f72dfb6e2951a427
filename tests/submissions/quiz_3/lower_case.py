# %% answer_q01
answer_q01 = "b"

# %% answer_q02
answer_q02 = "a"

# %% answer_q03
answer_q03 = "c"

# %% answer_q04
answer_q04 = "b"

# %% answer_q05
answer_q05 = "d"

# %% answer_q06
answer_q06 = "c"

# %% answer_q07
answer_q07 = "a"

# %% answer_q08
answer_q08 = "d"

# %% answer_q09
answer_q09 = "a"

# %% answer_q10
answer_q10 = "c"
