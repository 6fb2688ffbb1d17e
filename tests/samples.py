"""Synthetic FollowTheMoney records the node tests search over (no real persons)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FR_RECORDS: list[dict[str, Any]] = [
    {
        "id": "fr-person-petrov",
        "schema": "Person",
        "properties": {
            "name": ["Ivan Petrov"],
            "birthDate": ["1975-04-02"],
            "nationality": ["ru"],
            "gender": ["male"],
            "idNumber": ["FR-77-123"],
            "religion": ["orthodox"],
            "notes": ["Seen in Marseille port"],
        },
    },
    {
        "id": "fr-person-ivanov",
        "schema": "Person",
        "properties": {"name": ["Сергей Иванов"], "birthDate": ["1980-09-15"], "nationality": ["ru"]},
    },
    {
        "id": "fr-person-hasan",
        "schema": "Person",
        "properties": {"name": ["Muhammad Hasan"], "birthDate": ["1982-07-19"], "nationality": ["ae"]},
    },
    {
        "id": "fr-person-mueller",
        "schema": "Person",
        "properties": {"name": ["Jürgen Müller"], "birthDate": ["1969-01-01"], "nationality": ["de"]},
    },
    {
        "id": "fr-person-minor",
        "schema": "Person",
        "properties": {"name": ["Lucas Martin"], "birthDate": ["2011-05-05"], "nationality": ["fr"]},
        "flags": ["minor"],
    },
    {
        "id": "fr-person-victim",
        "schema": "Person",
        "properties": {"name": ["Amélie Durand"], "birthDate": ["1990-03-03"], "nationality": ["fr"]},
        "flags": ["victim"],
    },
    {
        "id": "fr-person-dupont",
        "schema": "Person",
        "properties": {"name": ["Pierre Dupont"], "birthDate": ["1960-12-24"], "nationality": ["fr"]},
    },
    {
        "id": "fr-passport-1",
        "schema": "Passport",
        "properties": {
            "number": ["17FR44321"],
            "surname": ["Petrov"],
            "givenName": ["Ivan"],
            "birthDate": ["1975-04-02"],
            "country": ["ru"],
            "endDate": ["2027-01-31"],
        },
    },
    {
        "id": "fr-vehicle-1",
        "schema": "Vehicle",
        "properties": {"registrationNumber": ["AB-123-CD"], "model": ["Peugeot 308"], "country": ["fr"]},
    },
]

# Property values a leak check looks for: none of them may appear where record content must not be.
SECRET_VALUES = ["Seen in Marseille port", "orthodox", "FR-77-123"]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


DE_RECORDS: list[dict[str, Any]] = [
    {
        "id": "de-person-petrow",
        "schema": "Person",
        "properties": {
            "name": ["Iwan Petrow"],
            "birthDate": ["1975-04-02"],
            "nationality": ["ru"],
            "passportNumber": ["C01X00T47"],
            "birthPlace": ["Wolgograd"],
        },
    },
    {
        "id": "de-person-schmidt",
        "schema": "Person",
        "properties": {"name": ["Klaus Schmidt"], "birthDate": ["1958-06-30"], "nationality": ["de"]},
    },
]

GR_RECORDS: list[dict[str, Any]] = [
    {
        "id": "gr-person-petrof",
        "schema": "Person",
        "properties": {"name": ["Ιβάν Πετρόφ"], "birthDate": ["1975-04-02"], "nationality": ["ru"]},
    },
    {
        "id": "gr-person-papadopoulos",
        "schema": "Person",
        "properties": {"name": ["Γεώργιος Παπαδόπουλος"], "birthDate": ["1969-11-30"], "nationality": ["gr"]},
    },
]

RECORDS_BY_COUNTRY = {"FR": FR_RECORDS, "DE": DE_RECORDS, "GR": GR_RECORDS}
