# Wrong: takes the norm of each parameter instead of its gradient (find_spikes left as the stub).
# %% layer_grad_norms
def layer_grad_norms(model):
    if not isinstance(model, torch.nn.Module):
        raise TypeError("not a model")
    return {name: p.detach().norm().item() for name, p in model.named_parameters()
            if p.grad is not None}
