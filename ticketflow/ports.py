"""Checking that a listening port is free before anything starts on it."""

from __future__ import annotations

import socket


class PortBusy(OSError):
    """Something else listens on the port (or the address is not this machine's)."""


def check_port_free(host: str, port: int, what: str) -> None:
    """Raise PortBusy, naming `what` wanted the port, unless it can be bound now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As servers bind: a port left in TIME_WAIT by a stopped server counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortBusy(f"{what} cannot listen on {host}:{port}: {exc.strerror}") from None
