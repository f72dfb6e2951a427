# %% answer_q01
answer_q01 = "C  "

# %% answer_q02
answer_q02 = "\ta\n"

# %% answer_q03
answer_q03 = " b "

# %% answer_q04
answer_q04 = "  B"

# %% answer_q05
answer_q05 = "B  "

# %% answer_q06
answer_q06 = "  A"

# %% answer_q07
answer_q07 = "\tc\n"

# %% answer_q08
answer_q08 = " b "

# %% answer_q09
answer_q09 = "D  "

# %% answer_q10
answer_q10 = "\ta\n"

# %% answer_q11
answer_q11 = "  D"

# %% answer_q12
answer_q12 = " d "

# %% answer_q13
answer_q13 = "A  "

# %% answer_q14
answer_q14 = "\td\n"

# %% answer_q15
answer_q15 = "  C"

# %% answer_q16
answer_q16 = " d "

# %% answer_q17
answer_q17 = "C  "

# %% answer_q18
answer_q18 = "\tb\n"
