"""The person record the engine compares, and its parsing from canonical CSV fields."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidDate, InvalidValue

# Headers a CSV (or the Django adapter) may use; everything else is an unknown column.
CANONICAL_FIELDS: tuple[str, ...] = (
    "id", "given_names", "family_names", "paternal_surname", "maternal_surname", "full_name",
    "sex", "date_of_birth", "age", "age_min", "age_max", "country_of_birth", "place_of_birth",
    "a_number", "other_ids", "mother_name", "father_name", "related_names", "aliases",
    "address", "city", "postal_code", "phone",
)
# Fields that may hold several values in one CSV cell.
LIST_SEPARATOR = ";"

_SEX = {
    "f": "F", "female": "F", "femenino": "F", "mujer": "F", "nina": "F", "niña": "F", "girl": "F",
    "m": "M", "male": "M", "masculino": "M", "hombre": "M", "nino": "M", "niño": "M", "boy": "M",
    "x": None, "u": None, "unknown": None, "desconocido": None, "": None,
}
_AGE = re.compile(r"^\s*(\d{1,3})\s*(?:(?:-|\u2013|to|a)\s*(\d{1,3}))?\s*$")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth where month and day may be unknown (year always known)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2100:
            raise InvalidDate("date_of_birth", self.year, "year out of range 1900-2100")
        if self.month is None and self.day is not None:
            raise InvalidDate("date_of_birth", self, "a day without a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InvalidDate("date_of_birth", self.month, "month must be 1-12")
        if self.day is not None and self.month is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InvalidDate("date_of_birth", self.day, f"day must be 1-{last}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse YYYY-MM-DD, YYYY-MM, YYYY, YYYYMMDD or DD/MM/YYYY (raises InvalidDate)."""
        t = text.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", t):
                y, m, d = t.split("-")
                return cls(int(y), int(m), int(d))
            if re.fullmatch(r"\d{4}-\d{1,2}", t):
                y, m = t.split("-")
                return cls(int(y), int(m))
            if re.fullmatch(r"\d{4}", t):
                return cls(int(t))
            if re.fullmatch(r"\d{8}", t):
                return cls(int(t[:4]), int(t[4:6]), int(t[6:]))
            if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", t):
                d, m, y = t.split("/")
                return cls(int(y), int(m), int(d))
        except InvalidDate as exc:
            raise InvalidDate("date_of_birth", text, exc.reason) from None
        raise InvalidDate(
            "date_of_birth", text, "expected YYYY-MM-DD, YYYY-MM, YYYY, YYYYMMDD or DD/MM/YYYY"
        )

    def isoformat(self) -> str:
        """YYYY, YYYY-MM or YYYY-MM-DD depending on what is known."""
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
            if self.day is not None:
                out += f"-{self.day:02d}"
        return out


@dataclass(frozen=True, slots=True)
class Record:
    """One person as a list or a tracing request describes them. Empty = unknown.

    Names may be given split (given_names + paternal/maternal surname), half split
    (given_names + family_names) or as a single full_name; the engine uses the most
    structured form present. `related_names` are family members this person (or the
    person describing them) named: for a sought child, the seeking parent.
    """

    id: str
    given_names: str | None = None
    paternal_surname: str | None = None
    maternal_surname: str | None = None
    family_names: str | None = None
    full_name: str | None = None
    sex: str | None = None
    birth_date: PartialDate | None = None
    age: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    country_of_birth: str | None = None
    place_of_birth: str | None = None
    a_number: str | None = None
    other_ids: tuple[str, ...] = ()
    mother_name: str | None = None
    father_name: str | None = None
    related_names: tuple[str, ...] = ()
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, row: Mapping[str, str | None], *, line: int | None = None) -> Record:
        """Build a Record from canonical field names (CSV headers); blanks mean unknown.

        Raises InvalidValue (or InvalidDate) naming the field, the value and the line.
        """
        def get(name: str) -> str | None:
            value = row.get(name)
            if value is None:
                return None
            value = str(value).strip()
            return value or None

        def many(name: str) -> tuple[str, ...]:
            value = get(name)
            if not value:
                return ()
            return tuple(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip())

        record_id = get("id")
        if record_id is None:
            raise InvalidValue("id", row.get("id"), "every row needs an id", line=line)
        birth_date = None
        dob = get("date_of_birth")
        if dob:
            try:
                birth_date = PartialDate.parse(dob)
            except InvalidDate as exc:
                raise InvalidDate("date_of_birth", dob, exc.reason, line=line) from None
        sex_text = get("sex")
        sex = None
        if sex_text is not None:
            key = sex_text.casefold()
            if key not in _SEX:
                raise InvalidValue("sex", sex_text, "expected F, M or unknown", line=line)
            sex = _SEX[key]
        age, age_min, age_max = _parse_age(get("age"), line)
        for field in ("age_min", "age_max"):
            text = get(field)
            if text is not None:
                parsed = _parse_age(text, line)[0]
                if field == "age_min":
                    age_min = parsed
                else:
                    age_max = parsed
        return cls(
            id=record_id,
            given_names=get("given_names"),
            paternal_surname=get("paternal_surname"),
            maternal_surname=get("maternal_surname"),
            family_names=get("family_names"),
            full_name=get("full_name"),
            sex=sex,
            birth_date=birth_date,
            age=age,
            age_min=age_min,
            age_max=age_max,
            country_of_birth=get("country_of_birth"),
            place_of_birth=get("place_of_birth"),
            a_number=get("a_number"),
            other_ids=many("other_ids"),
            mother_name=get("mother_name"),
            father_name=get("father_name"),
            related_names=many("related_names"),
            address=get("address"),
            city=get("city"),
            postal_code=get("postal_code"),
            phone=get("phone"),
            aliases=many("aliases"),
        )


def _parse_age(text: str | None, line: int | None) -> tuple[int | None, int | None, int | None]:
    """'7' -> (7, None, None); '6-8' -> (None, 6, 8). Raises InvalidValue otherwise."""
    if text is None:
        return None, None, None
    found = _AGE.match(text)
    if not found or int(found.group(1)) > 120 or (found.group(2) and int(found.group(2)) > 120):
        raise InvalidValue("age", text, "expected a whole number of years or a range like 6-8", line=line)
    low = int(found.group(1))
    if found.group(2) is None:
        return low, None, None
    high = int(found.group(2))
    if high < low:
        raise InvalidValue("age", text, "range upper bound below lower bound", line=line)
    return None, low, high
