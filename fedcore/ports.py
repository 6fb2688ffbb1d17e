"""Which port a child process listens on, read from the OS (for servers that do not print the port they bound)."""

from __future__ import annotations

import psutil


def listening_port(pid: int) -> int | None:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return None
    ports = [c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN]
    return ports[0] if ports else None
