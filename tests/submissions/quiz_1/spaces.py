# %% answer_q01
answer_q01 = "B  "

# %% answer_q02
answer_q02 = "\tb\n"

# %% answer_q03
answer_q03 = "  D"

# %% answer_q04
answer_q04 = " a "

# %% answer_q05
answer_q05 = "D  "

# %% answer_q06
answer_q06 = "\ta\n"

# %% answer_q07
answer_q07 = "  A"

# %% answer_q08
answer_q08 = " c "

# %% answer_q09
answer_q09 = "A  "

# %% answer_q10
answer_q10 = "\tc\n"

# %% answer_q11
answer_q11 = "  C"

# %% answer_q12
answer_q12 = " b "
