"""Donor screening against an exclusion list, and the federal contract-awards CSV reader.
Pure functions: no database."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

# Legal-form words that say nothing about who the company is.
CORPORATE_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "lc", "corp", "corporation", "co", "company", "ltd",
        "limited", "lp", "llp", "lllp", "plc", "pllc", "pc", "pa", "the", "sa", "de", "cv",
        "sarl", "gmbh", "ag", "nv", "bv",
    }
)  # fmt: skip

# Awarding agencies (or sub-agencies) whose contractors the default policy excludes:
# the departments and components that detain, separate and hold families.
DEFAULT_AGENCIES = frozenset(
    {
        "department of homeland security",
        "immigration and customs enforcement",
        "u s immigration and customs enforcement",
        "us immigration and customs enforcement",
        "customs and border protection",
        "u s customs and border protection",
        "us customs and border protection",
        "office of refugee resettlement",
    }
)

_PUNCTUATION = re.compile(r"[^\w\s]|_")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _joined_initials(words: list[str]) -> list[str]:
    """ "l l c" -> "llc", "u s" -> "us": initials written with dots come apart above."""
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return out


def name_tokens(name: str) -> tuple[str, ...]:
    words = _joined_initials(_fold(name).replace("&", " and ").split())
    return tuple(w for w in words if w not in CORPORATE_SUFFIXES)


def normalize_name(name: str) -> str:
    """Casefolded, accents and punctuation gone, corporate suffixes dropped."""
    return " ".join(name_tokens(name))


def normalize_agency(name: str) -> str:
    return " ".join(_joined_initials(_fold(name).split()))


def _contained(small: tuple[str, ...], large: tuple[str, ...]) -> bool:
    """Token containment, for names long enough to mean something on their own."""
    if not small or len(small) > len(large):
        return False
    if len(small) == 1 and len(small[0]) < 6:
        return False
    return set(small) <= set(large)


def is_excluded_name(donor: str, excluded_normalized: str) -> bool:
    """Normalised exact match, or one name's tokens all within the other's ("GEO Group"
    in "The GEO Group Foundation"; "CoreCivic" in "CoreCivic of Tennessee")."""
    donor_tokens = name_tokens(donor)
    entry_tokens = tuple(excluded_normalized.split())
    if not donor_tokens or not entry_tokens:
        return False
    if donor_tokens == entry_tokens:
        return True
    return _contained(entry_tokens, donor_tokens) or _contained(donor_tokens, entry_tokens)


@dataclass(frozen=True)
class AwardRow:
    line: int
    name: str
    normalized: str
    agency: str
    reference: str


@dataclass
class AwardsFile:
    rows: list[AwardRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    other_agency: int = 0


REQUIRED_COLUMNS = ("recipient_name", "awarding_agency_name")


def read_contract_awards(text: str, *, agencies: frozenset[str] = DEFAULT_AGENCIES) -> AwardsFile:
    """Contractors from a federal contract-awards CSV (USAspending's columns:
    recipient_name, awarding_agency_name, awarding_sub_agency_name, award_id_piid).

    Rows whose awarding agency or sub-agency is not in `agencies` are counted and left;
    rows that cannot be read are reported by their line in the file. Raises ValueError
    when the header lacks a required column."""
    wanted = {normalize_agency(a) for a in agencies}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    columns = {(c or "").strip().casefold() for c in reader.fieldnames or ()}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    result = AwardsFile()
    try:
        for raw in reader:
            line = reader.line_num
            row = {(k or "").strip().casefold(): v for k, v in raw.items()}
            if None in raw or any(v is None for v in raw.values()):
                result.rejected.append((line, "wrong number of columns"))
                continue
            name = (row.get("recipient_name") or "").strip()
            agency = (row.get("awarding_agency_name") or "").strip()
            sub_agency = (row.get("awarding_sub_agency_name") or "").strip()
            if not name:
                result.rejected.append((line, "recipient_name is empty"))
                continue
            if not agency:
                result.rejected.append((line, "awarding_agency_name is empty"))
                continue
            if len(name) > 300:
                result.rejected.append((line, "recipient_name is longer than 300 characters"))
                continue
            if not {normalize_agency(agency), normalize_agency(sub_agency)} & wanted:
                result.other_agency += 1
                continue
            normalized = normalize_name(name)
            if not normalized:
                result.rejected.append((line, "recipient_name has no name left once normalised"))
                continue
            result.rows.append(
                AwardRow(
                    line=line,
                    name=name,
                    normalized=normalized,
                    agency=(sub_agency or agency)[:200],
                    reference=(row.get("award_id_piid") or row.get("award_id") or "")[:100],
                )
            )
    except csv.Error as exc:
        result.rejected.append((reader.line_num, f"unreadable CSV: {exc}"))
    return result
