"""Blind-index search keys: what a name or number becomes so the database can find it
without holding it.

Writing uses the current blind-index key only (`*_digest`); finding matches the digests
under every key of the ring (`*_lookups`, `query_digests`), so that a person whose keys
a rotation has not reached yet is still found (see reunite.people.index_keys)."""

from collections.abc import Iterable

from reunite.core.crypto import blind_index, blind_indexes
from reunite.core.errors import Invalid
from reunite.matching.normalize import name_tokens, phonetic
from reunite.people.choices import IdentifierKind
from reunite.people.identifiers import normalize_identifier

NAME_EXACT = "name-token"
NAME_PHONETIC = "name-phonetic"
IDENTIFIER = "identifier"


def token_digest(token: str) -> str:
    return blind_index(token, purpose=NAME_EXACT)


def phonetic_digest(token: str) -> str:
    return blind_index(phonetic(token), purpose=NAME_PHONETIC)


def identifier_digest(canonical: str) -> str:
    return blind_index(canonical, purpose=IDENTIFIER)


def identifier_lookups(canonical: str) -> tuple[str, ...]:
    """What finds an identifier stored as `identifier_digest(canonical)`, under any key."""
    return blind_indexes(canonical, purpose=IDENTIFIER)


def name_digests(texts: Iterable[str]) -> set[str]:
    """Exact and phonetic digests of every token of every name (current key: stored)."""
    digests: set[str] = set()
    for text in texts:
        for token in name_tokens(text or ""):
            digests |= {token_digest(token), phonetic_digest(token)}
    return digests


def query_digests(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each word of a search: (exact digests, phonetic digests), one of each per key
    of the ring. A person matches a search when every word matches one of its names
    exactly or by sound, in any order."""
    return [
        (
            blind_indexes(t, purpose=NAME_EXACT),
            blind_indexes(phonetic(t), purpose=NAME_PHONETIC),
        )
        for t in name_tokens(text)
    ]


def identifier_query_digests(text: str) -> set[str]:
    """A search that may be a number: its canonical forms as any kind of identifier,
    under every key of the ring."""
    found: set[str] = set()
    for kind in (IdentifierKind.A_NUMBER, IdentifierKind.OTHER):
        try:
            found.update(identifier_lookups(normalize_identifier(kind, text)))
        except Invalid:
            continue  # not that kind of number
    return found
