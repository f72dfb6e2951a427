# %% answer_q01
raise ValueError("not sure")
answer_q01 = "A"

# %% answer_q02
raise ValueError("not sure")
answer_q02 = "A"

# %% answer_q03
answer_q03 = "C"

# %% answer_q04
answer_q04 = "D"

# %% answer_q05
answer_q05 = "B"

# %% answer_q06
answer_q06 = "C"

# %% answer_q07
answer_q07 = "B"

# %% answer_q08
answer_q08 = "C"

# %% answer_q09
answer_q09 = "D"

# %% answer_q10
answer_q10 = "A"
