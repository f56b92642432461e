"""Normalising identifiers so that any spelling of the same number finds the person."""

import re

from django.utils.translation import gettext as _

from reunite.core.errors import Invalid
from reunite.people.choices import IdentifierKind

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
# A PFIF record id is "domain/local id"; the local part is the home repository's own
# and may be case-sensitive, so it is kept exactly as written.
_PFIF_RECORD_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?/\S+$")


def normalize_identifier(kind: str, value: str) -> str:
    """The canonical form of an identifier (raises Invalid with a reason).

    A-numbers are 8 or 9 digits, optionally written with an "A", spaces or dashes; they
    are kept as "A" + 9 digits (an 8-digit number gains a leading zero). Other numbers
    keep their letters and digits, upper-cased. PFIF record ids are kept as written, so
    the repository they came from gets them back exactly.
    """
    if kind == IdentifierKind.PFIF:
        value = value.strip()
        if not _PFIF_RECORD_ID.match(value):
            raise Invalid(_("A PFIF record id is a domain name, a slash and a local id."))
        return value
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
