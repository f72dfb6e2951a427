# %% clip_grad_value
# A correct submission, written differently from the instructor's solution.
def clip_grad_value(parameters, clip_value):
    if not isinstance(clip_value, (int, float)) or not (0 < clip_value < math.inf):
        raise ValueError(f"bad clip_value {clip_value}")  # nan fails 0 < nan as well
    params = [parameters] if torch.is_tensor(parameters) else parameters
    for p in params:
        g = p.grad
        if g is None:
            continue
        with torch.no_grad():
            g.copy_(torch.where(g > clip_value, torch.full_like(g, clip_value), g))
            g.copy_(torch.where(g < -clip_value, torch.full_like(g, -clip_value), g))

# %% clipping_angle
def clipping_angle(grads_before, grads_after):
    if len(grads_before) != len(grads_after) or any(
            tuple(a.shape) != tuple(b.shape) for a, b in zip(grads_before, grads_after)):
        raise ValueError("the two gradients do not have the same shapes")
    a = torch.cat([t.flatten() for t in grads_before]).to(torch.float64) if grads_before else torch.zeros(0)
    b = torch.cat([t.flatten() for t in grads_after]).to(torch.float64) if grads_after else torch.zeros(0)
    na, nb = torch.linalg.vector_norm(a), torch.linalg.vector_norm(b)
    if na.item() == 0 or nb.item() == 0:
        raise ValueError("zero vector")
    cos = float(torch.dot(a, b) / (na * nb))
    cos = min(1.0, max(-1.0, cos))
    return math.acos(cos) * 180.0 / math.pi
