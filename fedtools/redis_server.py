"""A real Redis server (Debian's `redis-server`) on a free loopback port, without persistence, for tests and demos."""

from __future__ import annotations

import os
import shutil
import signal
import socket
from pathlib import Path

import redis

from fedtools.servers import LocalServer, ServerStartError


class RedisUnavailable(Exception):
    """redis-server is missing, or did not answer PING in time."""


def free_port() -> int:
    """A loopback port nobody listens on now (redis-server's `--port 0` means no TCP listener, not a free port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer(LocalServer):
    """redis-server on 127.0.0.1, keeping nothing on disk; started again after `stop`, it takes the same port."""

    name = "redis"

    def __init__(self, work_dir: Path) -> None:
        super().__init__()
        self.work_dir = work_dir
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return client.ping() is True
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self, timeout_s: float = 30.0) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailable("redis-server is not installed (Debian: apt-get install redis-server)")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        command = [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.work_dir),
            "--loglevel", "warning",
        ]  # fmt: skip
        try:
            self.launch(command, self.work_dir / "redis.log", timeout_s)
        except ServerStartError as error:
            raise RedisUnavailable(str(error)) from error
        return self

    def pause(self) -> None:
        """Freezes the server (SIGSTOP): connections open and accepted, nothing answered — a hung Redis."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.process is not None and self.paused:
            self.resume()
        super().stop()

    def __enter__(self) -> RedisServer:
        return self.start()
