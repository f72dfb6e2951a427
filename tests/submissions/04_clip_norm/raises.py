# Raises on every call.
# %% clip_grad_norm
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    raise ValueError("not sure how to do this")
# %% cosine_similarity_of_grads
def cosine_similarity_of_grads(before, after):
    return 1 / 0
