"""Deterministic synthetic FollowTheMoney records for demo federations and benchmarks (no real persons).

Each country's persons carry their name in the country's own script, with a Latin transliteration as
an alias; passports and vehicles follow the country's number formats. A few planted persons of
interest appear in several countries under spelling variants, so that cross-border searches find them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rigour.text.translit import ascii_text


def _pairs(text: str) -> list[tuple[str, str]]:
    """ "Native|Latin" pairs; a bare native name gets rigour's transliteration (or is Latin already)."""
    pairs = []
    for item in text.split(","):
        native, _, latin = item.strip().partition("|")
        pairs.append((native, latin or ascii_text(native)))
    return pairs


@dataclass(frozen=True)
class Locale:
    script: str
    male: list[tuple[str, str]]
    female: list[tuple[str, str]]
    family: list[tuple[str, str]]
    passport_format: str  # L = letter, D = digit
    plate_format: str
    car_models: list[str] = field(default_factory=lambda: ["Toyota Corolla", "Volkswagen Golf", "Ford Focus"])
    # Some languages give women a different surname form (Petrov / Petrova).
    female_family: dict[str, tuple[str, str]] = field(default_factory=dict)


LOCALES: dict[str, Locale] = {
    "FR": Locale(
        script="Latin",
        male=_pairs(
            "Jean, Pierre, Michel, André, Philippe, Nicolas, Julien, Thomas, Antoine, Mathieu, Sébastien, "
            "François, Laurent, Olivier, Christophe, Guillaume, Hugo, Lucas, Théo, Maxime, Rémi, Étienne"
        ),
        female=_pairs(
            "Marie, Nathalie, Isabelle, Sylvie, Catherine, Camille, Léa, Chloé, Manon, Émilie, Julie, "
            "Céline, Sophie, Aurélie, Hélène, Margaux, Inès, Juliette, Élodie, Anaïs"
        ),
        family=_pairs(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, "
            "Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, Mercier, "
            "Dupont, Lambert, Bonnet, François, Martinez, Legrand, Garnier, Faure, Rousseau, Blanc, Guérin, "
            "Muller, Henry, Roussel, Nicolas, Perrin, Morin, Mathieu, Clément, Gauthier, Dumont, Lopez, "
            "Fontaine, Chevalier, Robin, Masson"
        ),
        passport_format="DDLLDDDDD",
        plate_format="LL-DDD-LL",
        car_models=["Peugeot 308", "Renault Clio", "Citroën C4", "Renault Mégane", "Peugeot 208"],
    ),
    "DE": Locale(
        script="Latin",
        male=_pairs(
            "Hans, Jürgen, Klaus, Stefan, Michael, Andreas, Thomas, Wolfgang, Uwe, Frank, Matthias, Jörg, "
            "Tobias, Lukas, Jonas, Maximilian, Felix, Sebastian, Dieter, Horst, Günter, Florian"
        ),
        female=_pairs(
            "Ursula, Monika, Petra, Sabine, Andrea, Claudia, Susanne, Katharina, Julia, Anna, Lena, "
            "Hannah, Laura, Jana, Birgit, Heike, Karin, Renate, Jutta, Sophie"
        ),
        family=_pairs(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, "
            "Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, "
            "Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid, Schulze, "
            "Maier, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang, Scholz, "
            "Möller, Weiß, Jung, Hahn, Vogel"
        ),
        passport_format="LDDLLDDDD",
        plate_format="LL-LL DDDD",
        car_models=["Volkswagen Golf", "BMW 3er", "Mercedes-Benz C-Klasse", "Audi A4", "Opel Astra"],
    ),
    "GR": Locale(
        script="Greek",
        male=_pairs(
            "Γεώργιος, Ιωάννης, Κωνσταντίνος, Δημήτριος, Νικόλαος, Παναγιώτης, Βασίλειος, Χρήστος, "
            "Αθανάσιος, Μιχαήλ, Ευάγγελος, Σπυρίδων, Αντώνιος, Ανδρέας, Θεόδωρος, Σωκράτης, Ηλίας, Στέφανος"
        ),
        female=_pairs(
            "Μαρία, Ελένη, Αικατερίνη, Βασιλική, Σοφία, Αγγελική, Γεωργία, Δήμητρα, Κωνσταντίνα, "
            "Παρασκευή, Χριστίνα, Ευαγγελία, Ιωάννα, Αναστασία, Ειρήνη, Δέσποινα"
        ),
        family=_pairs(
            "Παπαδόπουλος, Παπαδημητρίου, Παπαγεωργίου, Οικονόμου, Γεωργίου, Νικολάου, Ιωάννου, "
            "Κωνσταντίνου, Δημητρίου, Παππάς, Βασιλείου, Αθανασίου, Μακρής, Καραγιάννης, Αντωνίου, "
            "Χριστοδούλου, Αλεξίου, Μιχαηλίδης, Ζαχαρίου, Κυριακίδης, Σταυρόπουλος, Ηλιόπουλος, "
            "Αναγνώστου, Πετρίδης, Λαμπράκης, Τσακίρης, Μαυρίδης, Σαββίδης, Βλάχος, Κουτσούκος"
        ),
        passport_format="LLDDDDDDD",
        plate_format="LLL-DDDD",
    ),
    "UA": Locale(
        script="Cyrillic",
        male=_pairs(
            "Олександр, Іван, Андрій, Дмитро, Сергій, Володимир, Михайло, Юрій, Олег, Віктор, Максим, "
            "Богдан, Тарас, Василь, Петро, Микола, Роман, Ярослав, Степан, Артем"
        ),
        female=_pairs(
            "Олена, Наталія, Тетяна, Ірина, Оксана, Юлія, Марія, Анна, Світлана, Катерина, Людмила, "
            "Галина, Вікторія, Дарина, Софія, Ганна"
        ),
        family=_pairs(
            "Шевченко, Коваленко, Бондаренко, Ткаченко, Кравченко, Олійник, Шевчук, Коваль, Поліщук, "
            "Бойко, Ткачук, Савченко, Руденко, Мельник, Мороз, Лисенко, Марченко, Петренко, Клименко, "
            "Павленко, Левченко, Харченко, Швець, Кузьменко, Гончаренко, Романенко, Литвиненко, Петров, "
            "Іваненко, Сидоренко"
        ),
        passport_format="LLDDDDDD",
        plate_format="LLDDDDLL",
        car_models=["ZAZ Lanos", "Daewoo Sens", "Skoda Octavia", "Toyota Camry", "Renault Logan"],
        female_family={"Петров": ("Петрова", "Petrova")},
    ),
    "AE": Locale(
        script="Arabic",
        male=_pairs(
            "محمد|Mohammed, أحمد|Ahmed, علي|Ali, عمر|Omar, خالد|Khalid, سعيد|Saeed, عبدالله|Abdullah, "
            "راشد|Rashid, سلطان|Sultan, حمد|Hamad, يوسف|Yousef, إبراهيم|Ibrahim, حسن|Hassan, ماجد|Majid, "
            "فيصل|Faisal, طارق|Tariq, منصور|Mansour, زايد|Zayed"
        ),
        female=_pairs(
            "فاطمة|Fatima, مريم|Maryam, عائشة|Aisha, نورة|Noura, سارة|Sara, ليلى|Layla, هند|Hind, "
            "شيخة|Shaikha, آمنة|Amna, خديجة|Khadija, منى|Mona, ريم|Reem, سلمى|Salma, هدى|Huda"
        ),
        family=_pairs(
            "المنصوري|Al Mansouri, الشامسي|Al Shamsi, الكعبي|Al Kaabi, المزروعي|Al Mazrouei, "
            "الظاهري|Al Dhaheri, النعيمي|Al Nuaimi, الهاشمي|Al Hashimi, السويدي|Al Suwaidi, "
            "القاسمي|Al Qasimi, المهيري|Al Muhairi, الفلاسي|Al Falasi, البلوشي|Al Balushi, "
            "الحمادي|Al Hammadi, العامري|Al Ameri, المري|Al Marri, الرميثي|Al Romaithi, "
            "الجنيبي|Al Junaibi, الكتبي|Al Ketbi, الزعابي|Al Zaabi, الطنيجي|Al Tunaiji"
        ),
        passport_format="LDDDDDDD",
        plate_format="L DDDDD",
        car_models=["Toyota Land Cruiser", "Nissan Patrol", "Lexus LX", "Toyota Camry", "Mitsubishi Pajero"],
    ),
}


@dataclass(frozen=True)
class PersonOfInterest:
    """One person planted in several countries, written differently in each."""

    key: str
    birth_date: str
    gender: str
    nationality: str
    names: dict[str, str]  # country -> name as that country records it
    passport: str
    # country -> the Latin spelling that country records beside a name in another script
    latin: dict[str, str] = field(default_factory=dict)


PERSONS_OF_INTEREST = [
    PersonOfInterest(
        key="petrov",
        birth_date="1975-04-02",
        gender="male",
        nationality="ru",
        names={
            "FR": "Ivan Petrov",
            "DE": "Iwan Petrow",
            "UA": "Іван Петров",
            "GR": "Ιβάν Πετρόφ",
            "AE": "إيفان بيتروف",
        },
        passport="751234567",
        latin={"AE": "Ivan Petrov"},
    ),
    PersonOfInterest(
        key="hassan",
        birth_date="1982-07-19",
        gender="male",
        nationality="ae",
        names={
            "AE": "محمد حسن المنصوري",
            "FR": "Mohamed Hassan Al-Mansouri",
            "DE": "Muhammad Hasan al Mansuri",
            "GR": "Μοχάμεντ Χασάν",
        },
        passport="N4412098",
        latin={"AE": "Mohammed Hassan Al Mansouri"},
    ),
    PersonOfInterest(
        key="papadopoulou",
        birth_date="1990-11-23",
        gender="female",
        nationality="gr",
        names={
            "GR": "Ελένη Παπαδοπούλου",
            "FR": "Eleni Papadopoulou",
            "DE": "Eleni Papadopulu",
            "UA": "Елені Пападопулу",
        },
        passport="AE9912345",
    ),
    PersonOfInterest(
        key="kovalenko",
        birth_date="1968-02-14",
        gender="male",
        nationality="ua",
        names={
            "UA": "Олег Коваленко",
            "DE": "Oleh Kowalenko",
            "FR": "Oleg Kovalenko",
            "AE": "أوليغ كوفالينكو",
        },
        passport="FE123456",
        latin={"AE": "Oleg Kovalenko"},
    ),
    PersonOfInterest(
        key="mueller",
        birth_date="1979-09-30",
        gender="male",
        nationality="de",
        names={
            "DE": "Jörg Müller",
            "FR": "Jorg Muller",
            "GR": "Γιοργκ Μίλερ",
            "UA": "Йорг Мюллер",
        },
        passport="C01X00T47",
    ),
]

GENERIC = LOCALES["FR"]  # countries without a locale of their own get Latin names


def _fill(rng: random.Random, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        rng.choice(letters) if char == "L" else str(rng.randrange(10)) if char == "D" else char for char in pattern
    )


def _birth_date(rng: random.Random, minor_share: float) -> date:
    if rng.random() < minor_share:
        return date(2009, 1, 1) + timedelta(days=rng.randrange(365 * 6))
    return date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))


def _person(rng: random.Random, country: str, locale: Locale, number: int) -> list[dict[str, Any]]:
    gender = "female" if rng.random() < 0.5 else "male"
    given_native, given_latin = rng.choice(locale.female if gender == "female" else locale.male)
    family_native, family_latin = rng.choice(locale.family)
    if gender == "female" and family_native in locale.female_family:
        family_native, family_latin = locale.female_family[family_native]
    born = _birth_date(rng, 0.02)
    nationality = country.lower() if rng.random() < 0.85 else rng.choice(["fr", "de", "gr", "ua", "ae", "ru", "tr"])
    native = f"{given_native} {family_native}"
    latin = f"{given_latin} {family_latin}"
    properties: dict[str, list[str]] = {
        "name": [native],
        "firstName": [given_native],
        "lastName": [family_native],
        "birthDate": [born.isoformat()],
        "nationality": [nationality],
        "gender": [gender],
        "idNumber": [f"{country}{rng.randrange(10**9):09d}"],
    }
    if latin != native:
        properties["alias"] = [latin]
    flags = ["minor"] if born.year >= 2008 else ["victim"] if rng.random() < 0.005 else []
    person_id = f"{country.lower()}-person-{number}"
    records: list[dict[str, Any]] = [{"id": person_id, "schema": "Person", "properties": properties, "flags": flags}]
    if rng.random() < 0.3:
        passport = _fill(rng, locale.passport_format)
        properties["passportNumber"] = [passport]
        records.append(
            {
                "id": f"{country.lower()}-passport-{number}",
                "schema": "Passport",
                "properties": {
                    "number": [passport],
                    "holder": [person_id],
                    "surname": [family_latin],
                    "givenName": [given_latin],
                    "birthDate": [born.isoformat()],
                    "country": [country.lower()],
                    "endDate": [(date(2026, 1, 1) + timedelta(days=rng.randrange(3650))).isoformat()],
                },
            }
        )
    return records


def _vehicle(rng: random.Random, country: str, locale: Locale, number: int) -> dict[str, Any]:
    return {
        "id": f"{country.lower()}-vehicle-{number}",
        "schema": "Vehicle",
        "properties": {
            "registrationNumber": [_fill(rng, locale.plate_format)],
            "model": [rng.choice(locale.car_models)],
            "type": ["car"],
            "country": [country.lower()],
            "buildDate": [str(rng.randrange(1995, 2026))],
        },
    }


def _planted(country: str, person: PersonOfInterest) -> list[dict[str, Any]]:
    name = person.names[country]
    properties: dict[str, list[str]] = {
        "name": [name],
        "birthDate": [person.birth_date],
        "nationality": [person.nationality],
        "gender": [person.gender],
        "passportNumber": [person.passport],
    }
    latin = person.latin.get(country) or ascii_text(name)
    if latin != name:
        properties["alias"] = [latin]
    person_id = f"{country.lower()}-interest-{person.key}"
    return [
        {"id": person_id, "schema": "Person", "properties": properties},
        {
            "id": f"{country.lower()}-interest-{person.key}-passport",
            "schema": "Passport",
            "properties": {"number": [person.passport], "holder": [person_id], "country": [person.nationality]},
        },
    ]


def generate_country(
    country: str, records: int, seed: int, *, plant: bool = True, vehicle_share: float = 0.15
) -> Iterator[dict[str, Any]]:
    """About `records` entities for one country: persons (some with passports), vehicles, planted persons."""
    rng = random.Random(f"{seed}:{country}")
    locale = LOCALES.get(country, GENERIC)
    produced = 0
    if plant:
        for person in PERSONS_OF_INTEREST:
            if country in person.names:
                for entity in _planted(country, person):
                    produced += 1
                    yield entity
    number = 0
    while produced < records:
        number += 1
        if rng.random() < vehicle_share:
            produced += 1
            yield _vehicle(rng, country, locale, number)
            continue
        for entity in _person(rng, country, locale, number):
            produced += 1
            yield entity


def sample_search() -> dict[str, Any]:
    """A /v1/search body that finds a planted person of interest in several countries."""
    person = PERSONS_OF_INTEREST[0]
    return {
        "schema": "Person",
        "properties": {"name": [person.names["FR"]], "birthDate": [person.birth_date]},
        "purpose": "terrorism",
    }
