"""Declarative comparisons with graded levels.

Each Comparison maps a pair of Features to a level index. Level 0 is always "null"
(data missing on either side: weight 0, no evidence either way); the others run from
strongest agreement to disagreement. Every comparison is symmetric by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from .features import Features, Name
from .names import formal_names
from .normalize import phonetic


@dataclass(frozen=True, slots=True)
class Level:
    """One outcome of a comparison; `text` is how a lawyer reads it."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """A named field comparison: levels (0 = null) and the function choosing one."""

    name: str
    label: str
    levels: tuple[Level, ...]
    fn: Callable[[Features, Features], int]

    def level_index(self, name: str) -> int:
        """Index of the level called `name` (KeyError if unknown)."""
        for i, level in enumerate(self.levels):
            if level.name == name:
                return i
        raise KeyError(f"{self.name} has no level {name!r}")


# Token relations, strongest first.
EXACT, PHONETIC, NICKNAME, CLOSE, NONE = 0, 1, 2, 3, 4


@lru_cache(maxsize=1 << 20)
def _relation(a: str, b: str) -> int:
    if a == b:
        return EXACT
    if len(a) > 1 and len(b) > 1 and phonetic(a) == phonetic(b):
        return PHONETIC
    if formal_names(a) & formal_names(b):
        return NICKNAME
    shortest = min(len(a), len(b))
    if shortest >= 4:
        distance = DamerauLevenshtein.distance(a, b)
        if distance <= 1 or (shortest >= 7 and distance <= 2):
            return CLOSE
        if shortest >= 5 and JaroWinkler.similarity(a, b) >= 0.93:
            return CLOSE
    return NONE


def token_relation(a: str, b: str) -> int:
    """How two normalised name tokens relate: EXACT, PHONETIC, NICKNAME, CLOSE or NONE."""
    # Order the arguments so the cache (and the answer) is symmetric.
    return _relation(a, b) if a <= b else _relation(b, a)


def _surname_relation(a: str, b: str) -> int:
    rel = token_relation(a, b)
    return NONE if rel == NICKNAME else rel


# ---------------------------------------------------------------- given names
GIVEN_LEVELS = (
    Level("null", "Given name missing on one side"),
    Level("exact", "Given names match exactly"),
    Level("phonetic", "Given names sound the same (spelling differs)"),
    Level("nickname", "Given names match through a nickname"),
    Level("close", "Given names are close (likely typo)"),
    Level("subset", "One given name agrees; the other name is recorded on one side only"),
    Level("partial", "One given name agrees but another differs"),
    Level("initial", "Only the initials of the given names agree"),
    Level("disagree", "Given names differ"),
)


@lru_cache(maxsize=1 << 20)
def _given_level(ga: tuple[str, ...], gb: tuple[str, ...]) -> int:
    if ga == gb or "".join(ga) == "".join(gb):
        return 1
    full_a = [t for t in ga if len(t) > 1]
    full_b = [t for t in gb if len(t) > 1]
    if len(ga) == len(gb) and len(full_a) == len(ga) and len(full_b) == len(gb):
        worst = max(token_relation(x, y) for x, y in zip(ga, gb, strict=True))
        if worst == NONE and len(ga) == 2:
            # "José María" recorded as "María José".
            worst = max(token_relation(ga[0], gb[1]), token_relation(ga[1], gb[0]))
        if worst != NONE:
            return {PHONETIC: 2, NICKNAME: 3, CLOSE: 4}.get(worst, 2)
    if full_a and full_b:
        matched_a = sum(1 for x in full_a if any(token_relation(x, y) != NONE for y in full_b))
        matched_b = sum(1 for y in full_b if any(token_relation(x, y) != NONE for x in full_a))
        if matched_a and matched_b:
            if matched_a == len(full_a) or matched_b == len(full_b):
                return 5
            return 6
    if ga[0][0] == gb[0][0] and (len(ga[0]) == 1 or len(gb[0]) == 1):
        return 7
    return 8


def _best_over_names(fn: Callable[[tuple[str, ...], tuple[str, ...]], int], part: int) -> Callable[[Features, Features], int]:
    """Lift a token-tuple comparison to Features: best level over primary name and aliases."""

    def compare(a: Features, b: Features) -> int:
        if len(a.names) == 1 and len(b.names) == 1:
            # The common case, without the loops.
            ta, tb = a.names[0][part], b.names[0][part]
            if not ta or not tb:
                return 0
            return fn(ta, tb) if ta <= tb else fn(tb, ta)
        best = 0
        for na in a.names:
            ta = na[part]
            if not ta:
                continue
            for nb in b.names:
                tb = nb[part]
                if not tb:
                    continue
                level = fn(ta, tb) if ta <= tb else fn(tb, ta)
                if best == 0 or level < best:
                    best = level
        return best

    return compare


# ---------------------------------------------------------------- surnames
SURNAME_LEVELS = (
    Level("null", "Surname missing on one side"),
    Level("exact", "Surnames match exactly"),
    Level("swapped", "Both surnames match, recorded in the opposite order"),
    Level("fuzzy", "Both surnames match allowing for spelling"),
    Level("one_missing", "The surname agrees; a second surname is recorded on one side only"),
    Level("one_agrees", "One surname agrees but the other differs"),
    Level("disagree", "Surnames differ"),
)


@lru_cache(maxsize=1 << 20)
def _surname_level(sa: tuple[str, ...], sb: tuple[str, ...]) -> int:
    if sa == sb or "".join(sa) == "".join(sb):
        return 1
    if len(sa) == len(sb) and sorted(sa) == sorted(sb):
        return 2
    if len(sa) == len(sb):
        if all(_surname_relation(x, y) != NONE for x, y in zip(sa, sb, strict=True)):
            return 3
        if len(sa) == 2 and _surname_relation(sa[0], sb[1]) != NONE and _surname_relation(sa[1], sb[0]) != NONE:
            return 3
    short, long_ = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    matched = sum(1 for x in short if any(_surname_relation(x, y) != NONE for y in long_))
    if matched == len(short) and len(short) < len(long_):
        return 4
    if matched:
        return 5
    return 6


# ---------------------------------------------------------------- date of birth
DOB_LEVELS = (
    Level("null", "Date of birth and age unknown on one side"),
    Level("exact", "Birth dates match exactly"),
    Level("swapped", "Birth dates match with day and month swapped"),
    Level("year_off", "Birth dates match except the year is off by one"),
    Level("typo", "Birth dates differ by a single digit"),
    Level("partial", "The known parts of the birth dates agree (only year or month recorded)"),
    Level("age_consistent", "The stated age fits the other record's birth date"),
    Level("year_only", "Birth years agree but month or day differ"),
    Level("disagree", "Birth dates differ"),
)


def _one_digit_apart(sa: str, sb: str) -> bool:
    """YYYYMMDD strings differing in one digit, or in two adjacent digits transposed."""
    diff = [i for i, (x, y) in enumerate(zip(sa, sb, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    # Two adjacent digits transposed (2011 written 2101).
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


def compare_dob(a: Features, b: Features) -> int:
    """Date-of-birth level; falls back to birth-year ranges derived from ages."""
    da, db = a.dob, b.dob
    if da is not None and db is not None:
        if da == db and da[1] and da[2]:
            return 1
        ya, ma, xa = da
        yb, mb, xb = db
        if ma and xa and mb and xb:
            if ya == yb and ma == xb and xa == mb:
                return 2
            if abs(ya - yb) == 1 and ma == mb and xa == xb:
                return 3
            if _one_digit_apart(a.dob8, b.dob8):
                return 4
            return 7 if ya == yb else 8
        month_ok = not ma or not mb or ma == mb
        day_ok = not (ma and mb) or not xa or not xb or xa == xb
        if ya == yb:
            return 5 if month_ok and day_ok else 7
        if abs(ya - yb) == 1 and ma and mb and month_ok and day_ok:
            return 3
        return 8
    ra, rb = a.year_range, b.year_range
    if ra is None or rb is None:
        return 0
    return 6 if ra[0] <= rb[1] and rb[0] <= ra[1] else 8


# ---------------------------------------------------------------- simple fields
SEX_LEVELS = (
    Level("null", "Sex unknown on one side"),
    Level("agree", "Sex agrees"),
    Level("disagree", "Sex differs"),
)


def compare_sex(a: Features, b: Features) -> int:
    """Sex agrees / differs."""
    if not a.sex or not b.sex:
        return 0
    return 1 if a.sex == b.sex else 2


COUNTRY_LEVELS = (
    Level("null", "Country of birth unknown on one side"),
    Level("agree", "Country of birth agrees"),
    Level("disagree", "Country of birth differs"),
)


def compare_country(a: Features, b: Features) -> int:
    """Country of birth agrees / differs (after mapping spellings to ISO codes)."""
    if not a.country or not b.country:
        return 0
    return 1 if a.country == b.country else 2


PLACE_LEVELS = (
    Level("null", "Place of birth unknown on one side"),
    Level("exact", "Place of birth matches"),
    Level("close", "Place of birth is similar"),
    Level("disagree", "Place of birth differs"),
)


@lru_cache(maxsize=1 << 16)
def _place_level(pa: str, pb: str) -> int:
    if pa == pb:
        return 1
    # Not token overlap: "San Pedro Sula" and "San Marcos" share "san" but not a town.
    if JaroWinkler.similarity(pa, pb) >= 0.9:
        return 2
    return 3


def compare_place(a: Features, b: Features) -> int:
    """Place of birth (town/department) matches, is similar, or differs."""
    if not a.place or not b.place:
        return 0
    return _place_level(a.place, b.place) if a.place <= b.place else _place_level(b.place, a.place)


ID_LEVELS = (
    Level("null", "No identifier on one side"),
    Level("exact", "An identifier (A-number) matches"),
    Level("typo", "Identifiers differ by one digit"),
    Level("disagree", "Identifiers differ"),
)


def compare_ids(a: Features, b: Features) -> int:
    """A-number / other identifiers: any equal, one digit apart, or all differ."""
    if not a.ids or not b.ids:
        return 0
    return ids_level(a.ids, b.ids)


def ids_level(a_ids: tuple[str, ...], b_ids: tuple[str, ...]) -> int:
    """compare_ids of two non-empty identifier tuples."""
    best = 3
    for x in a_ids:
        for y in b_ids:
            if x == y:
                return 1
            if len(x) == len(y) and DamerauLevenshtein.distance(x, y) <= 1:
                best = 2
    return best


FAMILY_LEVELS = (
    Level("null", "No family member named on one side"),
    Level("full", "A family member's name matches"),
    Level("similar", "A family member's name is similar"),
    Level("disagree", "The family members named differ"),
)


@lru_cache(maxsize=1 << 20)
def _family_pair(fa: Name, fb: Name) -> int:
    g = _given_level(fa[0], fb[0]) if fa[0] and fb[0] else 0
    s = _surname_level(fa[1], fb[1]) if fa[1] and fb[1] else 0
    if g and 1 <= g <= 3 and s and s <= 4:
        return 1
    if (g and g <= 6 and (not s or s <= 5)) or (not g and s and s <= 3):
        return 2
    return 3


def compare_family(a: Features, b: Features) -> int:
    """Best agreement between the relatives each record names (parents, seeker)."""
    if not a.family or not b.family:
        return 0
    best = 3
    for fa in a.family:
        for fb in b.family:
            level = _family_pair(fa, fb) if fa <= fb else _family_pair(fb, fa)
            if level < best:
                best = level
                if best == 1:
                    return 1
    return best


CONTACT_LEVELS = (
    Level("null", "No contact details on one side"),
    Level("phone", "Phone numbers match"),
    Level("address", "Addresses match"),
    Level("disagree", "Contact details differ"),
)


def compare_contact(a: Features, b: Features) -> int:
    """Phone (last 8 digits) or address agreement."""
    has_a = a.phone or a.address
    has_b = b.phone or b.address
    if not has_a or not has_b:
        return 0
    if a.phone and a.phone == b.phone:
        return 1
    if a.address and b.address and address_close(a.address, b.address):
        return 2
    return 3


def address_close(a: str, b: str) -> bool:
    """Two normalised addresses are the same or nearly (the contact comparison's test)."""
    return a == b or JaroWinkler.similarity(a, b) >= 0.93


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("given_name", "Given names", GIVEN_LEVELS, _best_over_names(_given_level, 0)),
    Comparison("surname", "Surnames", SURNAME_LEVELS, _best_over_names(_surname_level, 1)),
    Comparison("birth_date", "Date of birth", DOB_LEVELS, compare_dob),
    Comparison("sex", "Sex", SEX_LEVELS, compare_sex),
    Comparison("country", "Country of birth", COUNTRY_LEVELS, compare_country),
    Comparison("place", "Place of birth", PLACE_LEVELS, compare_place),
    Comparison("identifier", "Identifiers", ID_LEVELS, compare_ids),
    Comparison("family", "Family members", FAMILY_LEVELS, compare_family),
    Comparison("contact", "Contact details", CONTACT_LEVELS, compare_contact),
)
COMPARISON_BY_NAME: dict[str, Comparison] = {c.name: c for c in COMPARISONS}

# Surname levels at which the surnames agree (exact, swapped, fuzzy, one missing). Relatives
# and surnames are not independent evidence: siblings and cousins share both. So the
# family comparison has a second set of m/u, estimated on pairs whose surnames agree
# (the "conditional" part of the weights), used at these surname levels.
SURNAMES_AGREE = frozenset((1, 2, 3, 4))
FAMILY_IF_SURNAMES_AGREE = "family|surnames_agree"


def compare_levels(a: Features, b: Features) -> tuple[int, ...]:
    """The level index of every comparison, in COMPARISONS order."""
    return tuple(c.fn(a, b) for c in COMPARISONS)
