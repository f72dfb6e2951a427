# Wrong: averages the angles of the tensors one by one instead of using the concatenated vector.
# %% clipping_angle
def clipping_angle(grads_before, grads_after):
    if len(grads_before) != len(grads_after):
        raise ValueError("different number of tensors")
    angles = []
    for a, b in zip(grads_before, grads_after):
        if a.shape != b.shape:
            raise ValueError("different shapes")
        a, b = a.reshape(-1).double(), b.reshape(-1).double()
        if a.norm() == 0 or b.norm() == 0:
            raise ValueError("zero vector")
        cos = (a @ b / (a.norm() * b.norm())).clamp(-1, 1)
        angles.append(math.degrees(math.acos(cos.item())))
    return sum(angles) / len(angles)
