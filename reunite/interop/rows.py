"""From a list's row to what the registry takes: the portal's field vocabulary, the
automatic column mapping, and one row's conversion (with its field and reason when it
is refused).

The vocabulary is the matching engine's canonical CSV headers (given_names,
date_of_birth, a_number...) plus a few registry fields (ORR number, custody); values
are parsed by the engine's own `Record.from_mapping` (sex, dates, ages).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reunite.core.crypto import index_keyring
from reunite.core.errors import Invalid
from reunite.matching.errors import InvalidValue
from reunite.matching.names import PARTICLES
from reunite.matching.record import LIST_SEPARATOR, Record
from reunite.people.bulk import BulkPerson, bulk_validate
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    Relationship,
    Sex,
)
from reunite.people.services import ConsentInput, CustodyInput, PersonInput

from .models import ImportKind

# Portal fields a column can map to, in the order the mapping page offers them. The
# engine's canonical headers first (they map themselves), then the registry's own.
_ENGINE_FIELDS = (
    "id",
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "family_names",
    "full_name",
    "sex",
    "date_of_birth",
    "age",
    "country_of_birth",
    "place_of_birth",
    "a_number",
    "mother_name",
    "father_name",
    "related_names",
)
FIELDS: dict[str, str] = {
    "id": gettext_lazy("Row id in this list (makes re-imports update)"),
    "given_names": gettext_lazy("Given names"),
    "paternal_surname": gettext_lazy("Paternal surname"),
    "maternal_surname": gettext_lazy("Maternal surname"),
    "family_names": gettext_lazy("Surnames (both)"),
    "full_name": gettext_lazy("Full name"),
    "sex": gettext_lazy("Sex"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "age": gettext_lazy("Age"),
    "country_of_birth": gettext_lazy("Country of birth"),
    "place_of_birth": gettext_lazy("Place of birth"),
    "a_number": gettext_lazy("A-number"),
    "orr_number": gettext_lazy("ORR / UAC number"),
    "mother_name": gettext_lazy("Mother's name (children's lists)"),
    "father_name": gettext_lazy("Father's name (children's lists)"),
    "related_names": gettext_lazy("Children's names, separated by ; (parents' lists)"),
    "facility": gettext_lazy("Custody: facility or shelter"),
    "facility_city": gettext_lazy("Custody: city"),
    "facility_state": gettext_lazy("Custody: state"),
}
# Headers lists really use, normalised (see _normal), for the fields above.
SYNONYMS: dict[str, str] = {
    "first_name": "given_names",
    "first_names": "given_names",
    "given_name": "given_names",
    "nombre": "given_names",
    "nombres": "given_names",
    "primer_nombre": "given_names",
    "last_name": "family_names",
    "surname": "family_names",
    "surnames": "family_names",
    "apellido": "family_names",
    "apellidos": "family_names",
    "apellido_paterno": "paternal_surname",
    "primer_apellido": "paternal_surname",
    "apellido_materno": "maternal_surname",
    "segundo_apellido": "maternal_surname",
    "name": "full_name",
    "nombre_completo": "full_name",
    "gender": "sex",
    "sexo": "sex",
    "genero": "sex",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "birthdate": "date_of_birth",
    "fecha_de_nacimiento": "date_of_birth",
    "fecha_nacimiento": "date_of_birth",
    "edad": "age",
    "nationality": "country_of_birth",
    "country": "country_of_birth",
    "pais": "country_of_birth",
    "nacionalidad": "country_of_birth",
    "a": "a_number",
    "a_no": "a_number",
    "anumber": "a_number",
    "alien_number": "a_number",
    "orr": "orr_number",
    "orr_id": "orr_number",
    "uac_number": "orr_number",
    "uac_id": "orr_number",
    "mother": "mother_name",
    "madre": "mother_name",
    "father": "father_name",
    "padre": "father_name",
    "children": "related_names",
    "hijos": "related_names",
    "detention_facility": "facility",
    "shelter": "facility",
    "current_facility": "facility",
    "facility_name": "facility",
    "albergue": "facility",
    "state": "facility_state",
    "city": "facility_city",
}
_SEX = {"F": Sex.FEMALE, "M": Sex.MALE, None: Sex.UNKNOWN}
_REASONS = {
    "date_of_birth": gettext_lazy(
        "Date of birth: use YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY, a real date."
    ),
    "sex": gettext_lazy("Sex: use F, M or leave it blank."),
    "age": gettext_lazy("Age: a whole number of years, or a range like 6-8."),
}


def _normal(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.casefold())
    text = "".join(c if c.isalnum() else "_" for c in text if not unicodedata.combining(c))
    return "_".join(filter(None, text.split("_")))


def suggest_mapping(columns: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{column: portal field} for the columns the saved mapping or the vocabulary
    recognises; each field at most once (the first column wins)."""
    saved, mapping, taken = saved or {}, {}, set()
    for column in columns:
        field = saved.get(column)
        if field is None:
            key = _normal(column)
            field = key if key in FIELDS else SYNONYMS.get(key)
        if field in FIELDS and field not in taken:
            mapping[column] = field
            taken.add(field)
    return mapping


@dataclass
class RowRefused(Exception):
    field: str
    reason: str


def row_values(columns: list[str], cells: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """{portal field: cell text} of one row (raises RowRefused when it is wider than the header)."""
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        raise RowRefused(
            "",
            _("This row has %(cells)d cells but the header names %(columns)d columns.")
            % {"cells": len(cells), "columns": len(columns)},
        )
    values = {}
    for index, column in enumerate(columns):
        field = mapping.get(column)
        if field and index < len(cells):
            values[field] = " ".join(str(cells[index]).split())
    return values


ROW_KEY = "import-row"  # blind-index purposes
ROW_CONTENT = "import-row-content"


def row_content(values: dict[str, str]) -> str:
    """The row, normalised: "field=value" of every non-empty field, casefolded, sorted,
    joined by U+001F (a whitespace character, so never inside a cleaned cell). Both
    identity digests are computed from it, and it is kept sealed with the record so that
    a blind-index rotation can compute them again."""
    return "\x1f".join(f"{k}={values[k].casefold()}" for k in sorted(values) if values[k])


def content_identity(content: str, *, key_id: str | None = None) -> tuple[str, str]:
    """(row key, content digest) of a `row_content`, under `key_id` (default: the
    current blind-index key). The row key is a digest of the `id` column when the row
    has one, else the content digest itself, so an identical row is recognised."""
    ring = index_keyring()
    digest = ring.digest(content, purpose=ROW_CONTENT, key_id=key_id)
    fields = dict(part.partition("=")[::2] for part in content.split("\x1f") if part)
    row_id = fields.get("id", "")
    key = ring.digest(f"id\x1f{row_id}", purpose=ROW_KEY, key_id=key_id) if row_id else digest
    return key, digest


def content_identities(content: str) -> list[tuple[str, str]]:
    """`content_identity` under every key of the ring, current first: what a re-import
    looks for, so that rows a rotation has not reached yet are still recognised."""
    return [content_identity(content, key_id=k) for k in index_keyring().keys]


def row_identity(values: dict[str, str]) -> tuple[str, str]:
    """(row key, content digest) of a row under the current blind-index key."""
    return content_identity(row_content(values))


def _groups(text: str) -> list[str]:
    """Words, each particle kept with the word after it ("de la Cruz" stays whole)."""
    groups, pending = [], []
    for word in text.split():
        pending.append(word)
        if word.casefold() not in PARTICLES:
            groups.append(" ".join(pending))
            pending = []
    if pending:
        groups.append(" ".join(pending))
    return groups


def split_surnames(text: str) -> tuple[str, str]:
    groups = _groups(text)
    return (groups[0], " ".join(groups[1:])) if groups else ("", "")


def split_name(text: str) -> tuple[str, str, str]:
    """(given, paternal, maternal) of a full name: "SURNAMES, GIVEN" as lists print
    them, else the last two words (with their particles) are the two surnames."""
    if "," in text:
        surnames, _sep, given = text.partition(",")
        return (given.strip(), *split_surnames(surnames))
    groups = _groups(text)
    if len(groups) <= 1:
        return text.strip(), "", ""
    if len(groups) == 2:
        return groups[0], groups[1], ""
    return " ".join(groups[:-2]), groups[-2], groups[-1]


def _names(values: dict[str, str]) -> dict[str, str]:
    given = values.get("given_names", "")
    paternal = values.get("paternal_surname", "")
    maternal = values.get("maternal_surname", "")
    if not (paternal or maternal) and values.get("family_names"):
        paternal, maternal = split_surnames(values["family_names"])
    if not (given or paternal or maternal) and values.get("full_name"):
        given, paternal, maternal = split_name(values["full_name"])
    return {"given_names": given, "paternal_surname": paternal, "maternal_surname": maternal}


def _relative(name: str, role: str, sex: str = Sex.UNKNOWN) -> PersonInput:
    given, paternal, maternal = split_name(name)
    return PersonInput(
        family_role=role,
        given_names=given,
        paternal_surname=paternal,
        maternal_surname=maternal,
        sex=sex,
    )


def to_person(
    values: dict[str, str], *, kind: str, options: dict, source: str, today=None
) -> BulkPerson:
    """What one row says, validated like a hand-entered intake (raises RowRefused)."""
    try:
        record = Record.from_mapping(
            {k: v for k, v in values.items() if k in _ENGINE_FIELDS} | {"id": "row"}
        )
    except InvalidValue as exc:
        field = "age" if exc.field in {"age_min", "age_max"} else exc.field
        raise RowRefused(field, str(_REASONS.get(field, exc.reason))) from None
    custody_kind = options.get("custody_kind") or CustodyKind.UNKNOWN
    if kind == ImportKind.CHILDREN or (
        kind == ImportKind.CUSTODY and custody_kind == CustodyKind.ORR
    ):
        role = FamilyRole.CHILD
    else:
        role = FamilyRole.PARENT
    age = ""
    if record.age is not None:
        age = str(record.age)
    elif record.age_min is not None and record.age_max is not None:
        age = f"{record.age_min}-{record.age_max}"
    data = PersonInput(
        family_role=role,
        **_names(values),
        sex=_SEX[record.sex],
        birth_date=record.birth_date.isoformat() if record.birth_date else "",
        approximate_age=age,
        country_of_birth=values.get("country_of_birth", ""),
        place_of_birth=values.get("place_of_birth", ""),
    )
    identifiers = [(IdentifierKind.A_NUMBER, values["a_number"])] if values.get("a_number") else []
    if values.get("orr_number"):
        identifiers.append((IdentifierKind.ORR, values["orr_number"]))
    custody = None
    where = {
        k: values.get(f) or ""
        for k, f in (
            ("facility", "facility"),
            ("city", "facility_city"),
            ("state", "facility_state"),
        )
    }
    if kind == ImportKind.CUSTODY or any(where.values()):
        custody = CustodyInput(
            kind=custody_kind, source=source[:120], last_verified_on=today, **where
        )
    relatives = []
    if kind == ImportKind.CHILDREN:
        if record.mother_name:
            relatives.append(
                (_relative(record.mother_name, FamilyRole.PARENT, Sex.FEMALE), Relationship.MOTHER)
            )
        if record.father_name:
            relatives.append(
                (_relative(record.father_name, FamilyRole.PARENT, Sex.MALE), Relationship.FATHER)
            )
    elif kind == ImportKind.PARENTS:
        relationship = {Sex.FEMALE: Relationship.MOTHER, Sex.MALE: Relationship.FATHER}.get(
            data.sex, Relationship.GUARDIAN
        )
        for name in values.get("related_names", "").split(LIST_SEPARATOR):
            if name.strip():
                relatives.append((_relative(name.strip(), FamilyRole.CHILD), relationship))
    consent = None
    if options.get("consent") and kind != ImportKind.CUSTODY:
        consent = ConsentInput(
            scope=ConsentScope.TRACING,
            method=ConsentMethod.WRITTEN,
            language=options.get("language") or "es",
        )
    item = BulkPerson(
        data=data, identifiers=identifiers, custody=custody, relatives=relatives, consent=consent
    )
    try:
        item.checked = bulk_validate(item)  # people_bulk_create uses it: validated once
    except Invalid as exc:
        field = {IdentifierKind.A_NUMBER: "a_number", IdentifierKind.ORR: "orr_number"}.get(
            exc.code, exc.code
        )
        raise RowRefused("" if field == "invalid" else field, exc.message) from None
    return item
