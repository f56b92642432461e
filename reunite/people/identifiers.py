"""Normalising identifiers so that any spelling of the same number finds the person."""

import re

from django.utils.translation import gettext as _

from reunite.core.errors import Invalid
from reunite.people.choices import IdentifierKind

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def normalize_identifier(kind: str, value: str) -> str:
    """The canonical form of an identifier (raises Invalid with a reason).

    A-numbers are 8 or 9 digits, optionally written with an "A", spaces or dashes; they
    are kept as "A" + 9 digits (an 8-digit number gains a leading zero). Other numbers
    keep their letters and digits, upper-cased.
    """
    compact = _NOT_ALNUM.sub("", value.upper())
    if kind == IdentifierKind.A_NUMBER:
        digits = compact.removeprefix("A")
        if not digits.isdigit() or not 8 <= len(digits) <= 9:
            raise Invalid(_("An A-number has 8 or 9 digits, for example A-012-345-678."))
        return "A" + digits.zfill(9)
    if not compact:
        raise Invalid(_("The identifier has no letters or digits."))
    return compact


def display_identifier(kind: str, value: str) -> str:
    """A-numbers as A-012-345-678; anything else as stored."""
    if kind == IdentifierKind.A_NUMBER and len(value) == 10:
        return f"A-{value[1:4]}-{value[4:7]}-{value[7:]}"
    return value
