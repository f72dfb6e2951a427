# Raises on every call: a misspelt name, an index into a generator, a tensor called as a function.
# %% adaptive_clip
def adaptive_clip_(parameters, clipping=0.01, eps=1e-3):
    return sum(p.grad.norm(dims=1) for p in parameters)

# %% spike_action
def spike_action(norm, history, max_norm=1.0, window=20, factor=4.0, min_history=10):
    return history[-window](norm)

# %% per_example_clipped_sum
def per_example_clipped_sum(model, loss_fn, inputs, targets, max_norm):
    return {name: p.grad_sample.sum(0) for name, p in model.named_parameters()}
