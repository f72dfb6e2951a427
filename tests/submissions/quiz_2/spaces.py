# %% answer_q01
answer_q01 = "A  "

# %% answer_q02
answer_q02 = "\td\n"

# %% answer_q03
answer_q03 = "  D"

# %% answer_q04
answer_q04 = " b "

# %% answer_q05
answer_q05 = "C  "

# %% answer_q06
answer_q06 = "\ta\n"

# %% answer_q07
answer_q07 = "  C"

# %% answer_q08
answer_q08 = " c "

# %% answer_q09
answer_q09 = "D  "

# %% answer_q10
answer_q10 = "\tb\n"

# %% answer_q11
answer_q11 = "  A"

# %% answer_q12
answer_q12 = " a "

# %% answer_q13
answer_q13 = "C  "

# %% answer_q14
answer_q14 = "\tb\n"

# %% answer_q15
answer_q15 = "  B"
