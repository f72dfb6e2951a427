# %% answer_q01
answer_q01 = 'B'

# %% answer_q02
answer_q02 = 'B'

# %% answer_q03
answer_q03 = 'D'

# %% answer_q04
answer_q04 = 'A'

# %% answer_q05
answer_q05 = 'D'

# %% answer_q06
answer_q06 = 'A'

# %% answer_q07
answer_q07 = 'A'

# %% answer_q08
answer_q08 = 'C'

# %% answer_q09
answer_q09 = 'A'

# %% answer_q10
answer_q10 = 'C'

# %% answer_q11
answer_q11 = 'C'

# %% answer_q12
answer_q12 = 'B'
