"""Third-party servers (OPA, Prometheus, Redis) run as child processes on a loopback port the system picks."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil


class ServerStartError(Exception):
    """A server process exited, or did not answer its readiness check in time."""


def listening_port(pid: int) -> int | None:
    """The TCP port a process listens on, read from the OS (these servers do not print the port they bound)."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return None
    ports = [c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN]
    return ports[0] if ports else None


class LocalServer:
    """Start with a command (listening on 127.0.0.1:0), wait until it answers its readiness check, stop."""

    name = "server"
    ready_path = "/"

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self, command: list[str], log_path: Path, timeout_s: float) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"{self.name} exited with code {self.process.returncode} (log: {log_path})")
            port = listening_port(self.process.pid)
            if port:
                self.port = port
                if self.answers():
                    return
            time.sleep(0.02)  # polling the readiness check
        self.stop()
        raise ServerStartError(f"{self.name} was not ready within {timeout_s} s (log: {log_path})")

    def answers(self) -> bool:
        """The readiness check: the readiness URL answers 200."""
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()
