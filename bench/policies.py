"""Country policies for benchmark federations of any size: the real framework, one generated package per country."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fedtools.opa import DEFAULT_POLICIES_DIR

ORDINARY_PURPOSES = [
    "terrorism",
    "drug_trafficking",
    "human_trafficking",
    "cybercrime",
    "organised_crime",
    "fugitive",
    "missing_person",
    "stolen_document",
    "stolen_vehicle",
]


def write_policies(directory: Path, countries: list[str]) -> Path:
    """A policies tree like the repository's: the shared framework, and per country a policy trusting the others."""
    shutil.copytree(DEFAULT_POLICIES_DIR / "fedgate" / "framework", directory / "fedgate" / "framework")
    for country in countries:
        code = country.lower()
        package = directory / "fedgate" / "countries" / code
        package.mkdir(parents=True)
        (package / "policy.rego").write_text(
            f'package fedgate.countries["{code}"]\n\n'
            f'import data.fedgate.countries["{code}"].settings\n'
            "import data.fedgate.framework\n\n"
            # The framework's entry point: a search's decision, or a screening batch's (one per query).
            "decision := framework.country_decision(settings, {})\n\n"
            "reads := framework.country_reads(settings)\n"
        )
        settings = {
            "settings": {
                "profiles": {
                    "partner": {
                        "properties": {"Person": ["name", "birthDate", "nationality", "gender"]},
                        "generalise": {"birthDate": "year"},
                    }
                },
                "partners": {other: {"profile": "partner", "purposes": ORDINARY_PURPOSES} for other in countries},
            }
        }
        (package / "data.json").write_text(json.dumps(settings))
    return directory
