"""Text normalisation, name tokenisation and a Spanish phonetic key.

Everything here is a pure function of its input and cached, because the same names
repeat across millions of records.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .names import COUNTRIES, PARTICLES

# ASCII apostrophe, right/left single quotes, grave, acute, modifier letter apostrophe.
_APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=1 << 18)
def normalize_text(text: str) -> str:
    """Casefold, strip accents, drop apostrophes, turn other punctuation into spaces.

    >>> normalize_text("  María-José  K'iche' ")
    'maria jose kiche'
    """
    if not text:
        return ""
    # Apostrophes mark glottal stops in Mayan names (K'iche', Ajpop'); officers drop them,
    # so they must vanish rather than split the word.
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # ß and similar survive NFKD; anything non-ASCII left is punctuation for our purpose.
    return _NON_ALNUM.sub(" ", ascii_only).strip()


@lru_cache(maxsize=1 << 18)
def name_tokens(text: str) -> tuple[str, ...]:
    """Normalised name tokens without particles (de, del, de la, y ...).

    A name made only of particles keeps them, so "De La" is not lost entirely.
    Digits are dropped: they are never part of a name.
    """
    words = [w for w in normalize_text(text).split() if not w.isdigit()]
    kept = tuple(w for w in words if w not in PARTICLES)
    return kept or tuple(words)


def split_full_name(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an unstructured full name into (given tokens, surname tokens).

    Spanish naming convention: the last two tokens are the two surnames when there are
    four or more tokens or exactly three; with two tokens it is given + one surname.
    A comma means "SURNAMES, GIVEN" (how government lists often print names).
    """
    if "," in text:
        surnames, _, given = text.partition(",")
        return name_tokens(given), name_tokens(surnames)
    tokens = name_tokens(text)
    if len(tokens) <= 1:
        return tokens, ()
    if len(tokens) == 2:
        return tokens[:1], tokens[1:]
    return tokens[:-2], tokens[-2:]


def _next(s: str, i: int) -> str:
    return s[i + 1] if i + 1 < len(s) else ""


@lru_cache(maxsize=1 << 18)
def phonetic(token: str) -> str:
    """A Spanish phonetic key for one normalised name token.

    Consonants are mapped to sound classes (upper case); vowels are dropped except that a
    leading vowel is kept as "a" and the final vowel as its class a / e (e, i) / o (o, u),
    because the final vowel marks gender (Mario / María). Repeated classes collapse.

    Classes: B = b, v · K = k, qu, hard c · S = s, z, soft c (ce, ci) · J = j, soft g
    (ge, gi), x, sh · G = hard g, gu before e/i · W = w, gua/guo, hua/hue/hui · Y = y and
    ll before a vowel · C = ch · F = f, ph · R = r, rr · N = n, ñ · T = t, th; h is silent.
    So Hernández = Ernandes, Yesenia = Llesenia, Xuc = Shuc, Quevin = Kevin, Vanesa = Banessa.

    >>> phonetic("hernandez"), phonetic("ernandes"), phonetic("maria"), phonetic("mario")
    ('aRNDS', 'aRNDS', 'MRa', 'MRo')
    """
    s = token
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        nx = _next(s, i)
        code = ""
        step = 1
        if c in _VOWELS or (c == "y" and (nx not in _VOWELS or (i > 0 and s[i - 1] not in _VOWELS))):
            # "y" before a consonant, at the end or after a consonant is the vowel i
            # (Mayra, Nancy, Marya).
            pass
        elif c == "c":
            after = s[i + 2] if i + 2 < n else ""
            if nx == "h" and after in ("r", "l"):
                code, step = "K", 2  # English spelling: Christian, Chloe
            elif nx == "h":
                code, step = "C", 2
            elif nx in ("e", "i", "y"):
                code = "S"
            else:
                code = "K"
        elif c == "s" and nx == "h":
            code, step = "J", 2
        elif c == "p" and nx == "h":
            code, step = "F", 2
        elif c == "t" and nx == "h":
            code, step = "T", 2
        elif c == "q":
            code = "K"
            step = 2 if nx == "u" else 1
        elif c == "g":
            after = s[i + 2] if i + 2 < n else ""
            if nx in ("e", "i"):
                code = "J"
            elif nx == "u" and after in ("e", "i"):
                code, step = "G", 2
            elif nx == "u" and after in ("a", "o"):
                code, step = "W", 2
            else:
                code = "G"
        elif c == "h":
            after = s[i + 2] if i + 2 < n else ""
            if nx == "u" and after in _VOWELS:
                code, step = "W", 2
        elif c == "l" and nx == "l":
            code, step = "Y", 2
        elif c in ("j", "x"):
            code = "J"
        else:
            code = _SIMPLE.get(c, "")
        if code and (not out or out[-1] != code):
            out.append(code)
        i += step
    key = "".join(out)
    starts_with_vowel = s[:1] in _VOWELS or (s[:1] == "h" and not key.startswith("W"))
    if starts_with_vowel:
        key = "a" + key
    last = s[-1:] if s else ""
    if last in _VOWELS or last == "y":
        key += _FINAL_VOWEL[last]
    return key


_SIMPLE = {
    "b": "B", "v": "B", "k": "K", "s": "S", "z": "S", "y": "Y", "w": "W", "f": "F",
    "r": "R", "n": "N", "m": "M", "t": "T", "d": "D", "l": "L", "p": "P",
}
_FINAL_VOWEL = {"a": "a", "e": "e", "i": "e", "y": "e", "o": "o", "u": "o"}


def normalize_country(text: str | None) -> str:
    """ISO alpha-2 code for known spellings, else the normalised text ("" when missing)."""
    if not text:
        return ""
    norm = normalize_text(text)
    return COUNTRIES.get(norm, norm.upper() if len(norm) == 2 else norm)


def digits(text: str | None) -> str:
    """Only the digits of an identifier or phone number, leading zeros dropped."""
    if not text:
        return ""
    return "".join(ch for ch in text if ch.isdigit()).lstrip("0")
