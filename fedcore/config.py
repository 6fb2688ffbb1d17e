"""Configuration files as pydantic models, one per TOML table, with errors that name the file and the key.

A process's file is a `Table` whose fields are its tables; `load_config` reads the TOML, validates it and turns
the first problem into a `ConfigError` such as ``node.toml: opa.timeout_ms must be at least 10, got 0``.
Values are taken as written (strict: ``"5"`` is not 5), unknown keys are typos and refused, and relative paths
are taken from the configuration file's directory. Tables both processes have (`[metrics]`, `[federation]`,
the certificate part of `[tls]`, a signing key) are defined here once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from fedcore.keys import KeyFileProblem, SigningKey, load_private_key
from fedcore.pki import CertificateProblem, TlsMaterial, load_tls_material
from fedcore.vocabulary import is_country_code


class ConfigError(Exception):
    """A configuration file is missing, unreadable or holds a bad value; the message names the key."""


class Table(BaseModel):
    """One TOML table: unknown keys are refused (a typo must not be silently ignored), values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def key_problem(key: str, problem: str) -> PydanticCustomError:
    """A problem found by a model validator (one value against another), named by the key it is about."""
    return PydanticCustomError("config_key", "{key} {problem}", {"key": key, "problem": problem})


def _resolve_path(value: object, info: ValidationInfo) -> object:
    """Relative paths are taken from the configuration file's directory (the `base` in the context)."""
    if not isinstance(value, str | Path):
        raise PydanticCustomError("string_type", "not a string")
    candidate = Path(value).expanduser()
    base = info.context["base"] if info.context else Path()
    return candidate if candidate.is_absolute() else base / candidate


def _listen_address(value: object) -> object:
    """ "host:port" (port 0 asks the system for a free port) as (host, port)."""
    text = value if isinstance(value, str) else ""
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f'must look like "127.0.0.1:8080", got {value!r}')
    return host.strip("[]"), int(port)


def _country_code(code: str) -> str:
    if not is_country_code(code):
        raise ValueError(f'must be an ISO 3166-1 alpha-2 code in upper case such as "FR", got {code!r}')
    return code


ConfigPath = Annotated[Path, BeforeValidator(_resolve_path)]
ListenAddress = Annotated[tuple[str, int], BeforeValidator(_listen_address)]
CountryCode = Annotated[str, AfterValidator(_country_code)]
LogLevel = Literal["debug", "info", "warning", "error"]


class MetricsTable(Table):
    """`[metrics]`: where /metrics is served over HTTP; without `listen`, nowhere."""

    listen: ListenAddress | None = None


class FederationTable(Table):
    """`[federation]`: the federation's signed directory and the pinned keys it must be signed with."""

    directory: ConfigPath
    federation_keys: list[ConfigPath] = Field(default_factory=list)


class CertificateTable(Table):
    """A certificate and its private key (PEM files)."""

    certificate: ConfigPath
    key: ConfigPath

    def tls_material(self, file: ConfigFile, table: str, trusted_cas: Path, expected_name: str) -> TlsMaterial:
        """The mTLS material, checked (validity, name, key); a problem stops start-up naming the certificate."""
        try:
            return load_tls_material(self.certificate, self.key, trusted_cas, expected_name=expected_name)
        except CertificateProblem as error:
            raise file.fail(f"{table}.certificate", f"is unusable: {error}") from error


class SigningKeyTable(Table):
    """A private signing key (PEM file) and the key id its signatures are published under."""

    key_id: str
    key: ConfigPath

    def signing_key(self, file: ConfigFile, table: str) -> SigningKey:
        try:
            return SigningKey(self.key_id, load_private_key(self.key))
        except KeyFileProblem as error:
            raise file.fail(f"{table}.key", f"is unusable: {error}") from error


# What each pydantic error type says, after the key; `{input}` is the value found, the rest comes from `ctx`.
MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known setting",
    "int_type": "must be an integer, got {input!r}",
    "float_type": "must be a number, got {input!r}",
    "string_type": "must be a string, got {input!r}",
    "bool_type": "must be true or false, got {input!r}",
    "list_type": "must be a list of strings, got {input!r}",
    "dict_type": "must be a table, got {input!r}",
    "model_type": "must be a table, got {input!r}",
    "literal_error": "must be one of {expected}, got {input!r}",
    "greater_than_equal": "must be at least {ge}, got {input}",
    "less_than_equal": "must be at most {le}, got {input}",
    "greater_than": "must be greater than {gt}, got {input}",
    "value_error": "{error}",
    "config_key": "{problem}",
}


def describe(error: ErrorDetails) -> tuple[str, str]:
    """A pydantic error as (dotted key, problem): the one place pydantic's `loc` becomes "opa.timeout_ms"."""
    names = [str(part) for part in error["loc"] if not isinstance(part, int)]
    context = error.get("ctx", {})
    kind = error["type"]
    if kind == "config_key":
        names.append(context["key"])
    if kind == "string_type" and any(isinstance(part, int) for part in error["loc"]):
        return ".".join(names), "must be a list of strings"
    template = MESSAGES.get(kind)
    problem = template.format(input=error["input"], **context) if template else error["msg"]
    return ".".join(names), problem


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file being read: where its relative paths start, and how its errors are worded."""

    path: Path

    @property
    def base(self) -> Path:
        return self.path.resolve().parent

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} {problem}")

    def read(self) -> dict[str, Any]:
        try:
            with self.path.open("rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError as error:
            raise ConfigError(f"{self.path}: configuration file not found") from error
        except OSError as error:
            raise ConfigError(f"{self.path}: cannot read configuration file: {error.strerror}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{self.path}: not valid TOML: {error}") from error


M = TypeVar("M", bound=Table)


def load_config(file: ConfigFile, model: type[M]) -> M:
    """Reads and validates a configuration file; ConfigError names the first bad key."""
    try:
        return model.model_validate(file.read(), context={"base": file.base})
    except ValidationError as error:
        raise file.fail(*describe(error.errors(include_url=False)[0])) from error
