"""PFIF, the People Finder Interchange Format (http://zesty.ca/pfif/): a pure codec.

`parse()` reads PFIF 1.1, 1.2, 1.3 and 1.4 documents into plain dataclasses that always
use the PFIF 1.4 field names; `write()` writes PFIF 1.4. No Django, no database: the
mapping to the registry lives in `pfif_services`.

Parsing goes through defusedxml with every DTD refused: a PFIF document never needs one,
and refusing them outright closes XXE (external entities), billion-laughs expansion and
external DTD fetches in one rule. Values are only read, never judged, here, apart from
what the format itself fixes (the namespace, the record structure); the importer
validates them and reports each bad record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from xml.etree.ElementTree import Element, TreeBuilder
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

NAMESPACES = {
    "http://zesty.ca/pfif/1.1": "1.1",
    "http://zesty.ca/pfif/1.2": "1.2",
    "http://zesty.ca/pfif/1.3": "1.3",
    "http://zesty.ca/pfif/1.4": "1.4",
}
NS_1_4 = "http://zesty.ca/pfif/1.4"

# Large enough for any real exchange file; a file past it is refused before parsing.
MAX_BYTES = 20 * 1024 * 1024

# Older names of fields that PFIF 1.4 renamed.
RENAMED = {
    "first_name": "given_name",  # 1.4
    "last_name": "family_name",  # 1.4
    "other": "description",  # 1.4
    "home_zip": "home_postal_code",  # 1.2
    "found": "author_made_contact",  # 1.4
}

# The fields of PFIF 1.4 records, in the order PFIF 1.4 documents list them (and the
# order `write` uses). Person Finder writes the same order.
PERSON_FIELDS = (
    "person_record_id",
    "entry_date",
    "expiry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_name",
    "source_date",
    "source_url",
    "full_name",
    "given_name",
    "family_name",
    "alternate_names",
    "description",
    "sex",
    "date_of_birth",
    "age",
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
    "photo_url",
    "profile_urls",
)
NOTE_FIELDS = (
    "note_record_id",
    "person_record_id",
    "linked_person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_date",
    "author_made_contact",
    "status",
    "email_of_found_person",
    "phone_of_found_person",
    "last_known_location",
    "text",
    "photo_url",
)
# PFIF 1.4's mandatory fields (a note outside a person also needs its person_record_id).
PERSON_REQUIRED = ("person_record_id", "source_date", "full_name")
NOTE_REQUIRED = ("note_record_id", "author_name", "source_date")

# Fields whose value is one item per line.
_MULTILINE = {"full_name", "alternate_names", "profile_urls"}
# Characters XML 1.0 cannot carry at all (even escaped).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DESCRIPTION_LABEL = "description:"


def _(message: str) -> str:
    """Marks a message for translation (this module imports no Django); the interface
    translates `PfifError.template`."""
    return message


class PfifError(ValueError):
    """The document as a whole cannot be read: nothing in it may be imported. `template`
    (English, marked for translation) with `params` says why; str() is that sentence."""

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class PfifNote:
    """A note record: news about a person (PFIF 1.4 field names; "" when absent)."""

    note_record_id: str = ""
    person_record_id: str = ""
    linked_person_record_id: str = ""
    entry_date: str = ""
    author_name: str = ""
    author_email: str = ""
    author_phone: str = ""
    source_date: str = ""
    # "true", "false" or "" (unknown), as written.
    author_made_contact: str = ""
    status: str = ""
    email_of_found_person: str = ""
    phone_of_found_person: str = ""
    last_known_location: str = ""
    text: str = ""
    photo_url: str = ""
    # 1-based line of the <note> tag in the parsed document (0 for a note to write).
    line: int = 0


@dataclass(frozen=True)
class PfifPerson:
    """A person record with the notes it encloses (PFIF 1.4 field names; "" when absent).

    `full_name`, `alternate_names` and `profile_urls` hold one item per line.
    """

    person_record_id: str = ""
    entry_date: str = ""
    expiry_date: str = ""
    author_name: str = ""
    author_email: str = ""
    author_phone: str = ""
    source_name: str = ""
    source_date: str = ""
    source_url: str = ""
    full_name: str = ""
    given_name: str = ""
    family_name: str = ""
    alternate_names: str = ""
    description: str = ""
    sex: str = ""
    date_of_birth: str = ""
    age: str = ""
    home_street: str = ""
    home_neighborhood: str = ""
    home_city: str = ""
    home_state: str = ""
    home_postal_code: str = ""
    home_country: str = ""
    photo_url: str = ""
    profile_urls: str = ""
    notes: tuple[PfifNote, ...] = ()
    line: int = 0

    @property
    def full_names(self) -> list[str]:
        return _lines(self.full_name)

    @property
    def alternate_name_list(self) -> list[str]:
        return _lines(self.alternate_names)


@dataclass(frozen=True)
class PfifDocument:
    version: str
    persons: tuple[PfifPerson, ...] = ()
    # Notes written outside any person (each names its person_record_id).
    notes: tuple[PfifNote, ...] = field(default=())


def _lines(text: str) -> list[str]:
    return [line for line in (part.strip() for part in text.splitlines()) if line]


class _LineTreeBuilder(TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        # defusedxml's parser is ElementTree's pure-Python one, whose expat parser is
        # `.parser`; without it, records simply carry line 0.
        expat = getattr(self.parser, "parser", None)
        if expat is not None:
            self.lines[id(element)] = expat.CurrentLineNumber
        return element


def parse(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> PfifDocument:
    """Read a PFIF 1.1-1.4 document. Raises PfifError, with a reason a person can act
    on, for anything that is not a safe, well-formed PFIF document."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise PfifError(_("The file is larger than %(mb)d MB."), mb=max_bytes // (1024 * 1024))
    if not raw.strip():
        raise PfifError(_("The file is empty."))
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException as exc:
        raise PfifError(
            _(
                "The file declares a DTD or entities, which PFIF never needs; "
                "it was refused so that it cannot read local files or expand without end."
            )
        ) from exc
    except (ParseError, ValueError, LookupError) as exc:
        # expat raises ValueError or LookupError, not ParseError, for an encoding it
        # cannot read (UTF-7, multi-byte code pages, unknown names).
        raise PfifError(_("The file is not well-formed XML (%(error)s)."), error=str(exc)) from exc
    namespace, _sep, local = (
        root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    )
    if local != "pfif" or namespace not in NAMESPACES:
        raise PfifError(
            _(
                "The file is not a PFIF document: its root must be <pfif:pfif> in a PFIF 1.1 "
                "to 1.4 namespace (http://zesty.ca/pfif/1.x)."
            )
        )
    version = NAMESPACES[namespace]

    def line(element: Element) -> int:
        return builder.lines.get(id(element), 0)

    def values(element: Element, names: Iterable[str]) -> dict[str, str]:
        known, found = set(names), {}
        for child in element:
            name = _local(child.tag, namespace)
            name = RENAMED.get(name, name) if name else None
            if name in known and name not in found:
                found[name] = _clean(name, "".join(child.itertext()))
        return found

    def note(element: Element, person_record_id: str = "") -> PfifNote:
        found = values(element, NOTE_FIELDS)
        if person_record_id:  # an enclosed note belongs to its person, whatever it says
            found["person_record_id"] = person_record_id
        return PfifNote(**found, line=line(element))

    persons, notes = [], []
    for child in root:
        kind = _local(child.tag, namespace)
        if kind == "person":
            found = values(child, PERSON_FIELDS)
            if "description" in found and version != "1.4":
                found["description"] = _description_from_other(found["description"])
            if not found.get("full_name"):
                # PFIF 1.1 and 1.2 have no full_name: it is the given and family names.
                given, family = found.get("given_name", ""), found.get("family_name", "")
                found["full_name"] = " ".join(part for part in (given, family) if part)
            enclosed = tuple(
                note(n, found.get("person_record_id", ""))
                for n in child
                if _local(n.tag, namespace) == "note"
            )
            persons.append(PfifPerson(**found, notes=enclosed, line=line(child)))
        elif kind == "note":
            notes.append(note(child))
    return PfifDocument(version=version, persons=tuple(persons), notes=tuple(notes))


def _local(tag, namespace: str) -> str | None:
    """The local name of a tag in the document's PFIF namespace (None for comments,
    processing instructions and other namespaces' extension elements)."""
    if not isinstance(tag, str) or not tag.startswith("{" + namespace + "}"):
        return None
    return tag[len(namespace) + 2 :]


def _clean(name: str, text: str) -> str:
    if name in _MULTILINE:
        return "\n".join(_lines(text))
    if name == "description":
        return "\n".join(line.rstrip() for line in text.strip().splitlines())
    return text.strip()


def _description_from_other(other: str) -> str:
    """PFIF 1.1-1.3's `other` holds "label: value" lines; its "description:" part is
    1.4's description. Anything else in it is kept as written, so nothing is lost."""
    lines = other.splitlines()
    if not lines or not lines[0].lower().startswith(_DESCRIPTION_LABEL):
        return other
    kept = [lines[0][len(_DESCRIPTION_LABEL) :].strip(), *(line.strip() for line in lines[1:])]
    return "\n".join(line for line in kept if line)


def write(persons: Iterable[PfifPerson], notes: Iterable[PfifNote] = ()) -> bytes:
    """A PFIF 1.4 document (UTF-8) of the persons, each with its enclosed notes, and of
    notes standing alone. Empty fields are left out; fields are written in PFIF order."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<pfif:pfif xmlns:pfif="{NS_1_4}">']
    for person in persons:
        out.append("  <pfif:person>")
        out += _fields(person, PERSON_FIELDS, "    ")
        for enclosed in person.notes:
            # Inside a person, a note's person_record_id is that person's.
            out += _note(replace(enclosed, person_record_id=person.person_record_id), "    ")
        out.append("  </pfif:person>")
    for standalone in notes:
        out += _note(standalone, "  ")
    out.append("</pfif:pfif>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _note(note: PfifNote, indent: str) -> list[str]:
    return [
        f"{indent}<pfif:note>",
        *_fields(note, NOTE_FIELDS, indent + "  "),
        f"{indent}</pfif:note>",
    ]


def _fields(record: PfifPerson | PfifNote, names: tuple[str, ...], indent: str) -> list[str]:
    present = {f.name for f in fields(record)}
    lines = []
    for name in names:
        value = _NOT_XML.sub("", getattr(record, name) if name in present else "")
        if value.strip():
            lines.append(f"{indent}<pfif:{name}>{escape(value)}</pfif:{name}>")
    return lines
