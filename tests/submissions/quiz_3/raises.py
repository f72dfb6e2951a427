# %% answer_q01
raise ValueError("not sure")
answer_q01 = "B"

# %% answer_q02
raise ValueError("not sure")
answer_q02 = "A"

# %% answer_q03
answer_q03 = "C"

# %% answer_q04
answer_q04 = "B"

# %% answer_q05
answer_q05 = "D"

# %% answer_q06
answer_q06 = "C"

# %% answer_q07
answer_q07 = "A"

# %% answer_q08
answer_q08 = "D"

# %% answer_q09
answer_q09 = "A"

# %% answer_q10
answer_q10 = "C"
