"""Typed, validated reading of one TOML configuration file, with errors that name the bad key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration file is missing, unreadable or holds a bad value; the message names the key."""


class Section:
    """One TOML table. Every getter records the key as known; `finish()` rejects the rest as typos."""

    def __init__(self, source: str, data: dict[str, Any], prefix: str = "") -> None:
        self._source = source
        self._data = data
        self._prefix = prefix
        self._known: set[str] = set()
        self._children: list[Section] = []

    def key_name(self, key: str) -> str:
        """The dotted name of a key ("opa.timeout_ms"); "" names this table itself."""
        return f"{self._prefix}{key}" if key else self._prefix.rstrip(".")

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self._source}: {self.key_name(key)} {problem}")

    def has(self, key: str) -> bool:
        return key in self._data

    def _get(self, key: str, kind: type[T], kind_name: str, default: T | None, required: bool) -> T | None:
        self._known.add(key)
        if key not in self._data:
            if required:
                raise self.fail(key, "is required")
            return default
        value = self._data[key]
        # bool is an int in Python; a TOML `true` is never a valid number here.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"must be {kind_name}, got {value!r}")
        return value

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        value = self._get(key, str, "a string", default, required)
        if value is None:
            raise self.fail(key, "is required")
        return value

    def optional_string(self, key: str) -> str | None:
        return self._get(key, str, "a string", None, False)

    def integer(
        self, key: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._get(key, int, "an integer", default, default is None)
        assert value is not None
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum}, got {value}")
        return value

    def number(
        self, key: str, default: float | None = None, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        self._known.add(key)
        raw = self._data.get(key, default)
        if raw is None:
            raise self.fail(key, "is required")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise self.fail(key, f"must be a number, got {raw!r}")
        value = float(raw)
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, bool, "true or false", default, False)
        assert value is not None
        return value

    def string_list(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self._get(key, list, "a list of strings", default, default is None)
        assert value is not None
        if not all(isinstance(item, str) for item in value):
            raise self.fail(key, f"must be a list of strings, got {value!r}")
        return list(value)

    def path(self, key: str, base: Path, default: str | None = None) -> Path:
        """A file path; relative paths are taken from the configuration file's directory."""
        raw = self.string(key, default, required=default is None)
        candidate = Path(raw).expanduser()
        return candidate if candidate.is_absolute() else (base / candidate)

    def section(self, key: str, *, required: bool = False) -> Section:
        value = self._get(key, dict, "a table", {}, required)
        assert value is not None
        child = Section(self._source, value, f"{self._prefix}{key}.")
        self._children.append(child)
        return child

    def names(self) -> list[str]:
        return list(self._data)

    def finish(self) -> None:
        """Fails on the first key nobody asked for: a typo must not be silently ignored."""
        for key in self._data:
            if key not in self._known:
                raise self.fail(key, "is not a known setting")
        for child in self._children:
            child.finish()


def load_toml(path: Path) -> Section:
    """Reads a TOML file into a Section whose errors name the file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: configuration file not found") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration file: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    return Section(str(path), data)


def parse_listen_address(section: Section, key: str, default: str) -> tuple[str, int]:
    """Parses "host:port" (port 0 asks the system for a free port)."""
    raw = section.string(key, default)
    host, separator, port_text = raw.rpartition(":")
    if not separator or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise section.fail(key, f'must look like "127.0.0.1:8080", got {raw!r}')
    return host.strip("[]"), int(port_text)
