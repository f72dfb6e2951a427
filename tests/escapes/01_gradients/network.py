# Escape: network. While it is graded, this submission tries to reach a server that the test
# started on this machine: a TCP connection to 127.0.0.1:<port> and to localhost:<port>, a UDP
# datagram to 127.0.0.1:<port>, and a connection to the server's abstract Unix socket
# (@escape-<marker>; abstract sockets belong to the network namespace).  It sends its marker
# through each one.  The test writes the port and the marker into this file (the placeholders
# below) before it builds the submission.  The answer itself is correct and scores full marks.
def global_grad_norm(parameters, norm_type=2.0):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    norms = []
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.detach()
        if norm_type == math.inf:
            norms.append(g.abs().max() if g.numel() else torch.tensor(0.0))
        else:
            norms.append(g.pow(2).sum().sqrt())
    if not norms:
        return torch.tensor(0.0)
    stacked = torch.stack(norms)
    return stacked.max() if norm_type == math.inf else stacked.pow(2).sum().sqrt()


import socket as _socket

_PORT = int("@ESCAPE_PORT@")
_MARKER = "@ESCAPE_MARKER@"
_reached = []


def _attempt(what, family, kind, address):
    try:
        with _socket.socket(family, kind) as s:
            s.settimeout(5)
            s.connect(address)
            s.send(f"escaped {_MARKER}\n".encode())
        _reached.append(what)
        print("connected and sent:", what)
    except OSError as exc:
        print("cannot reach:", what, type(exc).__name__, exc)


_attempt(f"TCP 127.0.0.1:{_PORT}", _socket.AF_INET, _socket.SOCK_STREAM, ("127.0.0.1", _PORT))
_attempt(f"TCP localhost:{_PORT}", _socket.AF_INET, _socket.SOCK_STREAM, ("localhost", _PORT))
_attempt(f"UDP 127.0.0.1:{_PORT}", _socket.AF_INET, _socket.SOCK_DGRAM, ("127.0.0.1", _PORT))
_attempt(f"abstract Unix socket @escape-{_MARKER}", _socket.AF_UNIX, _socket.SOCK_STREAM,
         f"\0escape-{_MARKER}")
print(f"escape network: done, {len(_reached)} of 4 sent (sending a UDP datagram succeeds even with nobody listening)")
