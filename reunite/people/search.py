"""Blind-index search keys: what a name or number becomes so the database can find it
without holding it."""

from collections.abc import Iterable

from reunite.core.crypto import blind_index
from reunite.core.errors import Invalid
from reunite.matching.normalize import name_tokens, phonetic
from reunite.people.choices import IdentifierKind
from reunite.people.identifiers import normalize_identifier


def token_digest(token: str) -> str:
    return blind_index(token, purpose="name-token")


def phonetic_digest(token: str) -> str:
    return blind_index(phonetic(token), purpose="name-phonetic")


def identifier_digest(canonical: str) -> str:
    return blind_index(canonical, purpose="identifier")


def name_digests(texts: Iterable[str]) -> set[str]:
    """Exact and phonetic digests of every token of every name."""
    digests: set[str] = set()
    for text in texts:
        for token in name_tokens(text or ""):
            digests |= {token_digest(token), phonetic_digest(token)}
    return digests


def query_digests(text: str) -> list[tuple[str, str]]:
    """For each word of a search: (exact digest, phonetic digest). A person matches a
    search when every word matches one of its names exactly or by sound, in any order."""
    return [(token_digest(t), phonetic_digest(t)) for t in name_tokens(text)]


def identifier_query_digests(text: str) -> set[str]:
    """A search that may be a number: its canonical forms as any kind of identifier."""
    found = set()
    for kind in (IdentifierKind.A_NUMBER, IdentifierKind.OTHER):
        try:
            found.add(identifier_digest(normalize_identifier(kind, text)))
        except Invalid:
            continue  # not that kind of number
    return found
