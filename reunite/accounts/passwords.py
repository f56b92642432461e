"""Rejects passwords found in (or built on) a list of common and breached passwords.

Django's own list has few entries of 12 characters or more, so a long password such as
"Password1234!" or "qwertyqwerty" would pass it. This validator ships a larger list (see
data/README.md) and also checks the cores people pad to reach a length rule: the password
without leading or trailing digits and symbols, with leetspeak undone, and a repeated
word reduced to one copy.
"""

import gzip
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LIST_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
MIN_CORE = 4


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _unrepeated(text: str) -> str:
    """'abcabcabc' -> 'abc'; anything that is not a repetition comes back unchanged."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn")


def _is_run(text: str) -> bool:
    """'123456789012', 'abcdefghijkl', 'qwertyuiop': a walk along digits, letters or keys."""
    if len(text) < MIN_CORE:
        return False
    if text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in pairwise(text)}
        return steps in ({1}, {9})
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    if steps in ({1}, {-1}):
        return True
    return any(text in row or text in row[::-1] for row in KEYBOARD_ROWS)


def candidate_forms(password: str) -> set[str]:
    """The password and the cores a guesser would try first."""
    lowered = password.lower()
    forms = {lowered, lowered.translate(LEET)}
    for form in list(forms):
        core = PADDING.sub("", form)
        forms |= {core, _unrepeated(form), _unrepeated(core)}
    return {form for form in forms if form}


# Words a guesser tries first against this portal (ASVS 6.1.2, listed in SECURITY.md §
# Passwords): its name, its purpose, its users' work. A password whose whole core is one
# of them, or two of them run together, is refused; a passphrase that merely contains one
# is not.
CONTEXT_WORDS = frozenset(
    {
        "reunite", "reunion", "reunification", "reunify", "family", "families", "familia",
        "familias", "border", "frontera", "asylum", "asilo", "immigration", "inmigracion",
        "attorney", "abogado", "abogada", "lawyer", "paralegal", "legalaid", "detention",
        "ice", "orr", "dhs", "cbp", "eoir", "shelter", "refugio", "separated", "parent",
        "child", "children", "nino", "nina", "ninos", "mama", "papa",
    }
)  # fmt: skip


def _is_context(form: str) -> bool:
    """The letters of `form` (padding stripped, leetspeak undone) are one context word,
    a repetition of one, or two run together."""
    core = _unrepeated(re.sub(r"[^a-z]", "", PADDING.sub("", form).translate(LEET)))
    if core in CONTEXT_WORDS:
        return True
    return any(
        core[:cut] in CONTEXT_WORDS and core[cut:] in CONTEXT_WORDS for cut in range(2, len(core))
    )


def is_common(password: str) -> bool:
    forms = candidate_forms(password)
    if any(len(_unrepeated(form)) < MIN_CORE or _is_run(form) for form in forms):
        return True  # "111111111111", "abababababab", "123456789012": no real content
    if any(_is_context(form) for form in forms):
        return True  # "Reunite2026!!", "B0rder-Attorney1", "familiafamilia"
    known = common_passwords()
    return any(form in known for form in forms)


class BreachedPasswordValidator:
    def validate(self, password, user=None):
        if is_common(password):
            raise ValidationError(
                _("This password is too common: it appears in lists of breached passwords."),
                code="password_too_common",
            )

    def get_help_text(self):
        return _("Your password can’t be a commonly used or breached password.")
