# Partly wrong: no clamp of the cosine before acos, so identical vectors can give NaN.
# %% clipping_angle
def clipping_angle(grads_before, grads_after):
    if len(grads_before) != len(grads_after):
        raise ValueError("different number of tensors")
    for a, b in zip(grads_before, grads_after):
        if a.shape != b.shape:
            raise ValueError("different shapes")
    a = torch.cat([t.reshape(-1) for t in grads_before]).double()
    b = torch.cat([t.reshape(-1) for t in grads_after]).double()
    if a.norm() == 0 or b.norm() == 0:
        raise ValueError("zero vector")
    return math.degrees(math.acos((a @ b / (a.norm() * b.norm())).item()))
