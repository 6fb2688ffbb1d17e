"""Pinned Go tools (OPA, Regal) built from small Go modules of our own into a cache keyed by version."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class GoToolUnavailable(Exception):
    """A pinned Go tool is not on this machine and cannot be built here."""


def cache_root() -> Path:
    """Where built tools are kept: $FEDGATE_CACHE, else $XDG_CACHE_HOME/fedgate, else ~/.cache/fedgate."""
    explicit = os.environ.get("FEDGATE_CACHE")
    return Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fedgate"


def binary_version(binary: Path) -> str | None:
    """The version a tool's `version` command reports on its `Version:` line (OPA's and Regal's shape)."""
    try:
        result = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in result.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    # Worktrees and parallel bootstraps share the cache: one builds, the others wait and reuse its binary.
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class GoTool:
    """One pinned release of a Go command, built from `module_dir` (a go.mod whose `tool` directive names it)."""

    name: str  # as people write it: "OPA"
    command: str  # the binary's name: "opa"
    version: str  # without the "v": "1.22.3"
    package: str  # the Go package of the command
    version_variable: str  # the Go variable `-ldflags -X` sets to the version
    module_dir: Path

    @property
    def how_to_get(self) -> str:
        return (
            f"{self.name} {self.version} is needed: put that release's `{self.command}` binary on PATH, or install "
            f"Go >= 1.26 so that fedgate can build it (https://go.dev/doc/install)"
        )

    def cache_dir(self) -> Path:
        return cache_root() / f"{self.command}-v{self.version}"

    def find(self) -> Path | None:
        """The pinned release on PATH or in the cache, if either is there."""
        on_path = shutil.which(self.command)
        for candidate in ([Path(on_path)] if on_path else []) + [self.cache_dir() / self.command]:
            if candidate.is_file() and binary_version(candidate) == self.version:
                return candidate
        return None

    def build(self, report: Callable[[str], None] = lambda _: None) -> Path:
        """Builds the pinned release from its Go module into the cache (minutes the first time)."""
        go = shutil.which("go")
        if go is None:
            raise GoToolUnavailable(self.how_to_get)
        target = self.cache_dir() / self.command
        target.parent.mkdir(parents=True, exist_ok=True)
        report(f"building {self.name} {self.version} from its Go module (cached in {target.parent})")
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            partial = Path(scratch) / self.command
            ldflags = f"-s -w -X {self.version_variable}={self.version}"
            env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod")
            result = subprocess.run(
                [go, "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial), self.package],
                cwd=self.module_dir,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise GoToolUnavailable(f"building {self.name} {self.version} failed: {result.stderr.strip()[-2000:]}")
            partial.replace(target)
        return target

    def ensure(self, report: Callable[[str], None] = lambda _: None) -> Path:
        """The path of the pinned release, building it if needed; GoToolUnavailable says how to get it."""
        found = self.find()
        if found is not None:
            return found
        self.cache_dir().mkdir(parents=True, exist_ok=True)
        with _exclusive(self.cache_dir() / ".lock"):
            return self.find() or self.build(report)
