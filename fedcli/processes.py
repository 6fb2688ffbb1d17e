"""fedgate services as child processes: start one, wait for its ready file, stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ServiceFailed(Exception):
    """A child service exited or did not become ready in time; the message carries its log's tail."""


def fedgate_command(*args: str) -> list[str]:
    """The `fedgate` command line, run with this interpreter."""
    return [sys.executable, "-m", "fedcli.main", *args]


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def spawn(cls, name: str, command: list[str], log: Path, cwd: Path | None = None) -> Service:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return cls(name, process, log)

    def wait_ready(self, ready_file: Path, timeout_s: float) -> Any:
        """The ready file's content once the service has written it (it writes it when it listens)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready_file.exists():
                return json.loads(ready_file.read_text())
            if self.process.poll() is not None:
                raise ServiceFailed(f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}")
            time.sleep(0.05)
        raise ServiceFailed(f"{self.name} was not ready within {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_tail(self, characters: int = 1500) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout_s: float) -> int:
        """Waits for the exit; kills the process if it overstays. Returns the exit code."""
        try:
            return self.process.wait(timeout=max(timeout_s, 0.1))
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
