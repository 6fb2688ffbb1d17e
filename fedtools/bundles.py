"""Policy bundles: build one for a country with `opa build`, read one's settings, say in words what changed."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from fedtools.opa import DEFAULT_POLICIES_DIR, build_bundle, ensure_opa, jws_algorithm


class BundleError(Exception):
    """A bundle that cannot be built or read."""


def make_bundle(
    country: str,
    out: Path,
    policies_dir: Path = DEFAULT_POLICIES_DIR,
    revision: str = "",
    signing_key: Path | None = None,
) -> str:
    """Writes `out` (.tar.gz) with `opa build` from the framework and one country's policy; returns its revision
    (by default a digest of the sources, as the node's own OPA uses). With `signing_key` the bundle is signed
    (.signatures.json): an OPA given the public key refuses it altered or unsigned."""
    binary = ensure_opa()
    signing: list[str] = []
    if signing_key is not None:
        try:
            algorithm = jws_algorithm(signing_key)
        except ValueError as error:
            raise BundleError(str(error)) from error
        signing = ["--signing-key", str(signing_key.resolve()), "--signing-alg", algorithm]
    with tempfile.TemporaryDirectory(prefix="fedgate-bundle-") as scratch:
        source = Path(scratch) / "bundle"
        source.mkdir()
        try:
            digest_revision = build_bundle(country, source, policies_dir)
        except FileNotFoundError as error:
            raise BundleError(str(error)) from error
        revision = revision or digest_revision
        manifest = json.loads((source / ".manifest").read_text())
        (source / ".manifest").write_text(json.dumps({**manifest, "revision": revision}))
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [str(binary), "build", "--bundle", ".", "--output", str(out.resolve())]
        command += signing
        result = subprocess.run(command, cwd=source, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise BundleError(f"opa build failed: {result.stderr.strip()[-2000:]}")
    return revision


@dataclass(frozen=True)
class BundleContent:
    revision: str
    data: dict[str, Any]
    # path -> Rego source
    policies: dict[str, str]


def _place(tree: dict[str, Any], directory: PurePosixPath, value: Any) -> None:
    node = tree
    for part in [p for p in directory.parts if p not in ("/", ".")]:
        node = node.setdefault(part, {})
    if isinstance(value, dict):
        _merge(node, value)


def _merge(into: dict[str, Any], value: dict[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(into.get(key), dict):
            _merge(into[key], item)
        else:
            into[key] = item


def _files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()}
    try:
        with tarfile.open(path, "r:gz") as archive:
            return {
                member.name.lstrip("/"): (archive.extractfile(member) or io.BytesIO()).read()
                for member in archive.getmembers()
                if member.isfile()
            }
    except (OSError, tarfile.TarError) as error:
        raise BundleError(f"{path} is not a bundle (.tar.gz from `opa build`, or a directory): {error}") from error


def read_bundle(path: Path) -> BundleContent:
    """A bundle's revision, its data (every data.json / data.yaml placed at its directory) and its Rego."""
    if not path.exists():
        raise BundleError(f"bundle {path} does not exist")
    data: dict[str, Any] = {}
    policies: dict[str, str] = {}
    revision = ""
    for name, content in sorted(_files(path).items()):
        file = PurePosixPath(name)
        try:
            if file.name == ".manifest":
                revision = str(json.loads(content).get("revision", ""))
            elif file.name == "data.json":
                _place(data, file.parent, json.loads(content))
            elif file.name in ("data.yaml", "data.yml"):
                _place(data, file.parent, yaml.safe_load(content))
            elif file.suffix == ".rego" and not file.stem.endswith("_test"):
                policies[name] = content.decode()
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as error:
            raise BundleError(f"{path}: {name} cannot be read: {error}") from error
    return BundleContent(revision, data, policies)


# --- what changed, in words ---------------------------------------------------------------------------


def _names(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else []


def _list(values: list[str]) -> str:
    return ", ".join(values) if values else "nothing"


def _profile_words(profile: dict[str, Any]) -> str:
    if profile.get("hit_only"):
        return "hit/no-hit only"
    parts = [f"{schema}: {_list(_names(props))}" for schema, props in sorted(profile.get("properties", {}).items())]
    generalise = profile.get("generalise", {})
    if generalise:
        parts.append("generalised: " + ", ".join(f"{k} to {v}" for k, v in sorted(generalise.items())))
    return "; ".join(parts) or "nothing"


def _list_delta(what: str, old: list[str], new: list[str]) -> list[str]:
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    lines = []
    if added:
        lines.append(f"{what}: now also {_list(added)}")
    if removed:
        lines.append(f"{what}: no longer {_list(removed)}")
    return lines


def _profile_delta(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if bool(old.get("hit_only")) != bool(new.get("hit_only")):
        lines.append(
            f"profile {name}: " + ("now hit/no-hit only" if new.get("hit_only") else "no longer hit/no-hit only")
        )
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for schema in sorted(old_props.keys() | new_props.keys()):
        if schema not in new_props:
            lines.append(f"profile {name}: {schema} records no longer released")
        elif schema not in old_props:
            lines.append(f"profile {name}: {schema} records now released ({_list(_names(new_props[schema]))})")
        else:
            lines.extend(
                _list_delta(
                    f"profile {name}: {schema} properties", _names(old_props[schema]), _names(new_props[schema])
                )
            )
    old_gen, new_gen = old.get("generalise", {}), new.get("generalise", {})
    for prop in sorted(old_gen.keys() | new_gen.keys()):
        if old_gen.get(prop) != new_gen.get(prop):
            before = f"generalised to {old_gen[prop]}" if prop in old_gen else "released as it is"
            after = f"generalised to {new_gen[prop]}" if prop in new_gen else "released as it is"
            lines.append(f"profile {name}: {prop} {before} -> {after}")
    for key in sorted((old.keys() | new.keys()) - {"hit_only", "properties", "generalise"}):
        if old.get(key) != new.get(key):
            lines.append(f"profile {name}: {key} {json.dumps(old.get(key))} -> {json.dumps(new.get(key))}")
    return lines


def _partner_delta(country: str, old: dict[str, Any] | None, new: dict[str, Any] | None, profiles: Any) -> list[str]:
    if old is None and new is not None:
        profile = new.get("profile", "")
        return [
            f"{country} is now trusted: profile {profile} ({_profile_words(profiles.get(profile, {}))}); "
            f"purposes {_list(_names(new.get('purposes')))}"
        ]
    if new is None:
        return [f"{country} is no longer trusted (was: profile {old.get('profile') if old else '?'})"]
    assert old is not None
    lines = []
    if old.get("profile") != new.get("profile"):
        lines.append(f"{country}: profile {old.get('profile')} -> {new.get('profile')}")
    lines.extend(_list_delta(f"{country}: purposes", _names(old.get("purposes")), _names(new.get("purposes"))))
    return lines


def _received(settings: dict[str, Any], country: str) -> dict[str, Any]:
    partner = settings.get("partners", {}).get(country)
    if not isinstance(partner, dict):
        return {}
    profile = settings.get("profiles", {}).get(partner.get("profile", ""), {})
    return profile if isinstance(profile, dict) else {}


def _received_delta(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Per partner, what it would receive differently (whatever setting caused it)."""
    lines: list[str] = []
    for country in sorted(old.get("partners", {}).keys() & new.get("partners", {}).keys()):
        before, after = _received(old, country), _received(new, country)
        if before == after:
            continue
        for line in _profile_delta("", before, after):
            lines.append(f"{country} would receive: " + line.removeprefix("profile : "))
    return lines


def _settings_delta(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    old_partners, new_partners = old.get("partners", {}), new.get("partners", {})
    for country in sorted(old_partners.keys() | new_partners.keys()):
        lines.extend(
            _partner_delta(country, old_partners.get(country), new_partners.get(country), new.get("profiles", {}))
        )
    old_profiles, new_profiles = old.get("profiles", {}), new.get("profiles", {})
    for name in sorted(old_profiles.keys() | new_profiles.keys()):
        if name not in new_profiles:
            lines.append(f"profile {name} removed")
        elif name not in old_profiles:
            lines.append(f"profile {name} added: {_profile_words(new_profiles[name])}")
        else:
            lines.extend(_profile_delta(name, old_profiles[name], new_profiles[name]))
    lines.extend(_received_delta(old, new))
    old_clearance, new_clearance = old.get("property_clearance", {}), new.get("property_clearance", {})
    for prop in sorted(old_clearance.keys() | new_clearance.keys()):
        if old_clearance.get(prop) != new_clearance.get(prop):
            lines.append(
                f"{prop} needs clearance {old_clearance.get(prop, 'none')} -> {new_clearance.get(prop, 'none')}"
            )
    lines.extend(
        _list_delta(
            "hit/no-hit only schemata", _names(old.get("hit_only_schemata")), _names(new.get("hit_only_schemata"))
        )
    )
    handled = {"partners", "profiles", "property_clearance", "hit_only_schemata"}
    for key in sorted((old.keys() | new.keys()) - handled):
        if old.get(key) != new.get(key):
            lines.append(f"{key}: {json.dumps(old.get(key))} -> {json.dumps(new.get(key))}")
    return lines


_RULE_START = re.compile(r"^(?:default\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def rego_rules(source: str) -> Counter[tuple[str, str]]:
    """Top-level rule definitions of a Rego file as (rule name, its normalised text), comments dropped."""
    rules: Counter[tuple[str, str]] = Counter()
    current: list[str] = []

    def flush() -> None:
        if current:
            match = _RULE_START.match(current[0])
            if match and match.group(1) not in ("package", "import"):
                rules[(match.group(1), " ".join(" ".join(current).split()))] += 1
            current.clear()

    for line in source.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not line[0].isspace() and not stripped.startswith(("}", "]", ")")):
            flush()
        current.append(stripped)
    flush()
    return rules


def _rules_delta(old: dict[str, str], new: dict[str, str]) -> list[str]:
    old_rules: Counter[tuple[str, str]] = Counter()
    new_rules: Counter[tuple[str, str]] = Counter()
    for source in old.values():
        old_rules.update(rego_rules(source))
    for source in new.values():
        new_rules.update(rego_rules(source))
    added, removed = new_rules - old_rules, old_rules - new_rules
    lines = []
    for name in sorted({n for n, _ in added} | {n for n, _ in removed}):
        plus = sum(c for (n, _), c in added.items() if n == name)
        minus = sum(c for (n, _), c in removed.items() if n == name)
        words = [f"{plus} definition(s) added"] if plus else []
        words += [f"{minus} removed"] if minus else []
        lines.append(f"rule {name}: {', '.join(words)}")
    return lines


def _countries(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    countries = data.get("fedgate", {}).get("countries", {})
    return {
        code.upper(): value.get("settings", {})
        for code, value in countries.items()
        if isinstance(value, dict) and isinstance(value.get("settings", {}), dict)
    }


def diff_bundles(old: BundleContent, new: BundleContent) -> list[str]:
    """The settings (partners, profiles, generalisations, clearances) and rules (overrides…) that changed."""
    lines: list[str] = []
    if old.revision != new.revision:
        lines.append(f"revision: {old.revision or 'none'} -> {new.revision or 'none'}")
    old_countries, new_countries = _countries(old.data), _countries(new.data)
    for code in sorted(old_countries.keys() | new_countries.keys()):
        if code not in new_countries:
            lines.append(f"{code}: settings removed")
            continue
        if code not in old_countries:
            lines.append(f"{code}: settings added")
        for line in _settings_delta(old_countries.get(code, {}), new_countries[code]):
            lines.append(f"{code}: {line}")
    lines.extend(_rules_delta(old.policies, new.policies))
    return lines
