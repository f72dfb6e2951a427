# Never returns for T > 0: the step counter is never advanced. Exercise 2 is left as the stub.
# %% jacobian_product_norm
def jacobian_product_norm(W, T):
    product = torch.eye(W.shape[0], dtype=W.dtype)
    k = 0
    while k < T:
        product = W @ product
    return torch.linalg.matrix_norm(product, ord=2)
