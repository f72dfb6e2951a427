# Raises on every call: TypeError from calling a tensor / indexing a generator.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    for i in range(len(parameters)):
        parameters[i].grad = parameters[i].grad.clamp(-clip_value, clip_value)
    return parameters(clip_value)

# %% clipping_angle
def clipping_angle(grads_before, grads_after):
    a = torch.cat(grads_before)
    return math.degrees(math.acos(a.cosine(grads_after)))
