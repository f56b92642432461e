"""The user interface speaks English, Spanish and French.

- the es and fr catalogues are complete: nothing untranslated, nothing fuzzy;
- the committed .mo files (what a fresh install uses) match their .po files;
- every placeholder of a msgid survives in its translation;
- Django serves our translations for known UI strings;
- every literal marked for translation in templates and Python is in the catalogues
  (i.e. `make messages` has been run since strings were added);
- templates have no visible text outside {% translate %} / {% blocktranslate %}.
"""

import ast
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.translation.template import templatize

from reunite.core.management.commands.compilemessages_py import (
    compile_catalogue,
    messages,
)

REUNITE = Path(settings.BASE_DIR) / "reunite"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["es", "fr"]
# Source that makemessages does not need to read: the pure-Python matching engine and tests.
SKIP_DIRS = {"matching", "tests", "migrations", "locale", "static", "__pycache__"}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(po_path(lang)))


def live_entries(lang: str) -> list[polib.POEntry]:
    return [e for e in catalogue(lang) if not e.obsolete]


# --------------------------------------------------------------------------- catalogues


def test_settings_offer_the_three_languages():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "es", "fr"]
    assert REUNITE / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete(lang):
    po = catalogue(lang)
    assert po.metadata.get("Language") == lang
    assert not po.metadata_is_fuzzy, f"{lang}: the header is marked fuzzy"
    entries = live_entries(lang)
    assert entries, f"{lang}: the catalogue is empty"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not e.translated() and "fuzzy" not in e.flags]
    assert not fuzzy, f"{lang}: fuzzy entries: {fuzzy}"
    assert not untranslated, f"{lang}: untranslated entries: {untranslated}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_fill_every_form(lang):
    po = catalogue(lang)
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))
    for entry in live_entries(lang):
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            assert sorted(forms) == list(range(nplurals)), entry.msgid
            assert all(forms.values()), f"{lang}: empty plural form for {entry.msgid!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_matches_po(lang, tmp_path):
    committed = po_path(lang).with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    fresh = compile_catalogue(po_path(lang), tmp_path / "django.mo")
    assert messages(polib.mofile(str(committed))) == messages(polib.mofile(str(fresh))), (
        f"{committed} is out of date with its .po: run `manage.py compilemessages_py`"
    )


def test_compile_command_writes_mo_beside_each_po(tmp_path, settings):
    for lang in LANGUAGES:
        target = tmp_path / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(po_path(lang), target / "django.po")
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compilemessages_py", verbosity=0)
    for lang in LANGUAGES:
        mo = tmp_path / lang / "LC_MESSAGES" / "django.mo"
        assert messages(polib.mofile(str(mo))) == messages(catalogue(lang))
    call_command("compilemessages_py", "--check", verbosity=0)


def test_compile_command_check_fails_on_a_stale_mo(tmp_path, settings):
    from django.core.management.base import CommandError

    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = catalogue("es")
    po.save(str(target / "django.po"))
    po.save_as_mofile(str(target / "django.mo"))
    po[0].msgstr += " (changed)"
    po.save(str(target / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="Out of date"):
        call_command("compilemessages_py", "--check", verbosity=0)


# ------------------------------------------------------------------------- placeholders

PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %s, %d
    r"|\{\w*(?:![rsa])?(?::[^{}]*)?\}"  # {name}, {0}, {}
)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders(lang):
    problems = []
    for entry in live_entries(lang):
        wanted = placeholders(entry.msgid)
        strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for msgstr in strings:
            got = placeholders(msgstr)
            named_missing = {p for p in wanted if p.startswith("%(")} - set(got)
            named_extra = {p for p in got if p.startswith("%(")} - set(wanted)
            positional_differ = [p for p in wanted if not p.startswith("%(")] != [
                p for p in got if not p.startswith("%(")
            ]
            # A plural form for n == 1 may drop the count; named ones must all be kept.
            if entry.msgid_plural and not named_extra and not positional_differ:
                continue
            if named_missing or named_extra or positional_differ:
                problems.append((entry.msgid, msgstr, wanted, got))
    assert not problems, f"{lang}: placeholders differ: {problems}"


# ------------------------------------------------------------------------ served by Django

UI_STRINGS = ["Dashboard", "Sign out", "Members", "Audit log", "Skip to content"]


def expected(lang: str, msgid: str) -> str:
    entry = catalogue(lang).find(msgid)
    assert entry is not None and entry.msgstr, f"{msgid!r} is not in the {lang} catalogue"
    return entry.msgstr


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("msgid", UI_STRINGS)
def test_django_serves_our_translation(lang, msgid):
    want = expected(lang, msgid)
    with translation.override(lang):
        assert translation.gettext(msgid) == want
        rendered = Template('{% load i18n %}{% translate "' + msgid + '" %}').render(Context())
    assert rendered == want
    with translation.override("en"):
        assert translation.gettext(msgid) == msgid


@pytest.mark.parametrize("lang", LANGUAGES)
def test_blocktranslate_is_served_with_its_variables(lang):
    want = expected(lang, "Page %(n)s of %(total)s") % {"n": 2, "total": 7}
    template = Template(
        "{% load i18n %}{% blocktranslate with n=a total=b %}"
        "Page {{ n }} of {{ total }}{% endblocktranslate %}"
    )
    with translation.override(lang):
        assert template.render(Context({"a": 2, "b": 7})) == want


# ------------------------------------------------------------------ catalogue is current


def source_files(suffixes: tuple[str, ...], *, templates_only: bool) -> list[Path]:
    found = []
    for path in sorted(REUNITE.rglob("*")):
        rel = path.relative_to(REUNITE)
        if path.suffix not in suffixes or SKIP_DIRS & set(rel.parts[:-1]):
            continue
        if templates_only and "templates" not in rel.parts:
            continue
        found.append(path)
    return found


STRING_LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATIZED_CALL = re.compile(
    r"\b(?P<fn>npgettext|pgettext|ngettext|gettext)\("
    rf"(?P<args>\s*{STRING_LITERAL}(?:\s*,\s*{STRING_LITERAL})*)"
)
CONTEXT_FIRST = {"pgettext", "npgettext", "pgettext_lazy", "npgettext_lazy"}
PY_KEYWORDS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    *CONTEXT_FIRST,
}


def msgkey(fn: str, args: list[str]) -> tuple[str | None, str] | None:
    if fn in CONTEXT_FIRST:
        return (args[0], args[1]) if len(args) >= 2 else None
    return (None, args[0]) if args else None


def template_msgids(path: Path) -> set[tuple[str | None, str]]:
    keys = set()
    for match in TEMPLATIZED_CALL.finditer(templatize(path.read_text(), origin=str(path))):
        args = list(ast.literal_eval("(" + match["args"] + ",)"))
        if key := msgkey(match["fn"], args):
            keys.add(key)
    return keys


def python_msgids(path: Path) -> set[tuple[str | None, str]]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in PY_KEYWORDS:
            continue
        args = []
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            args.append(arg.value)
        if key := msgkey(name, args):
            keys.add(key)
    return keys


def marked_in_source() -> dict[tuple[str | None, str], str]:
    marked = {}
    for path in source_files((".html", ".txt"), templates_only=True):
        for key in template_msgids(path):
            marked.setdefault(key, str(path.relative_to(REUNITE)))
    for path in source_files((".py",), templates_only=False):
        for key in python_msgids(path):
            marked.setdefault(key, str(path.relative_to(REUNITE)))
    return marked


def test_source_extraction_finds_known_strings():
    marked = marked_in_source()
    assert (None, "Sign out") in marked
    assert (None, "Page %(n)s of %(total)s") in marked
    assert (None, "Welcome to %(organization)s.") in marked
    assert any("clients' safety" in msgid for _, msgid in marked)  # a double-quoted literal


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue(lang):
    known = {(e.msgctxt, e.msgid) for e in live_entries(lang)}
    missing = sorted(
        f"{where}: {msgid!r}"
        for (ctx, msgid), where in marked_in_source().items()
        if (ctx, msgid) not in known
    )
    assert not missing, f"{lang}: not in the catalogue, run `make messages`: {missing}"


# ------------------------------------------------------------------------- template scan

# Visible text that is the same in every language.
ALLOWED_TEXT = {"Reunite"}
# Attributes a person reads or hears (screen readers announce aria-label and title).
TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}
SKIP_ELEMENTS = {"script", "style"}

TRANSLATED_BLOCK = re.compile(
    r"{%-?\s*block(?:trans|translate)\b.*?%}.*?{%-?\s*endblock(?:trans|translate)\s*-?%}",
    re.DOTALL,
)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.DOTALL)
TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}", re.DOTALL)
LETTER = re.compile(r"[^\W\d_]")


def blank(match: re.Match) -> str:
    """Replace template syntax by nothing but keep its newlines, so lines still match."""
    return "\n" * match.group(0).count("\n")


def strip_template(source: str) -> str:
    source = TEMPLATE_COMMENT.sub(blank, source)
    source = TRANSLATED_BLOCK.sub(blank, source)
    return TEMPLATE_SYNTAX.sub(blank, source)


def untranslated_words(text: str) -> str:
    for allowed in ALLOWED_TEXT:
        text = re.sub(rf"\b{re.escape(allowed)}\b", "", text)
    return text.strip() if LETTER.search(text) else ""


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and (words := untranslated_words(value)):
                self.found.append((self.getpos()[0], f"{name}={words!r}"))

    def handle_endtag(self, tag):
        if tag in SKIP_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and (words := untranslated_words(data)):
            self.found.append((self.getpos()[0], repr(words)))


def untranslated_text(source: str) -> list[tuple[int, str]]:
    parser = VisibleText()
    parser.feed(strip_template(source))
    parser.close()
    return parser.found


def html_templates() -> list[Path]:
    return source_files((".html",), templates_only=True)


def test_template_scan_sees_the_templates():
    names = {p.relative_to(REUNITE).as_posix() for p in html_templates()}
    assert "templates/base.html" in names


@pytest.mark.parametrize(
    "source, bad",
    [
        ('{% load i18n %}<p>{% translate "Hello" %}</p>', False),
        ("<p>{% blocktranslate with n=x %}Hello {{ n }}{% endblocktranslate %}</p>", False),
        ('<td>{{ x|default:"—" }}</td><th>#</th><title>{{ t }} · Reunite</title>', False),
        ("<nav aria-label=\"{% translate 'Main' %}\"></nav>", False),
        ("<script>var hello = 1;</script>{# a note #}", False),
        ("<p>Hello {{ name }}</p>", True),
        ('<nav aria-label="Main"></nav>', True),
        ("<p>{% if x %}Yes{% endif %}</p>", True),
        ("<title>Welcome to Reunite</title>", True),
    ],
)
def test_template_scan_heuristic(source, bad):
    assert bool(untranslated_text(source)) is bad


def test_templates_have_no_untranslated_text():
    problems = [
        f"{path.relative_to(REUNITE)}:{line}: {text}"
        for path in html_templates()
        for line, text in untranslated_text(path.read_text())
    ]
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)
