"""Compile the translation catalogues (.po -> .mo) in pure Python, with polib.

Django's own `compilemessages` needs GNU gettext's `msgfmt`; a fresh install must not.
This compiles every .po under settings.LOCALE_PATHS to the .mo beside it. As with
msgfmt, fuzzy and untranslated entries are left out of the .mo (Django then shows the
English); they are reported so they can be fixed. `--check` writes nothing and fails
when a committed .mo does not match its .po.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    """Every .po file under LOCALE_PATHS, in a stable order."""
    found: list[Path] = []
    for root in settings.LOCALE_PATHS:
        found.extend(sorted(Path(root).rglob("*.po")))
    return found


def compile_catalogue(po_path: Path, mo_path: Path | None = None) -> Path:
    """Write the .mo for one .po (beside it unless mo_path is given); return its path."""
    mo_path = Path(mo_path) if mo_path else Path(po_path).with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def messages(catalogue: polib.POFile | polib.MOFile) -> dict:
    """What a compiled catalogue means: its translated messages and its plural rule.
    For comparing a .mo with its .po without comparing bytes or volatile headers."""
    out = {("", "Plural-Forms", None): catalogue.metadata.get("Plural-Forms", "")}
    for entry in catalogue:
        if isinstance(entry, polib.POEntry) and (entry.obsolete or not entry.translated()):
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        out[key] = (
            tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else entry.msgstr
        )
    return out


def mo_is_current(po_path: Path) -> bool:
    """True when the .mo beside po_path exists and holds the .po's translated messages."""
    mo_path = Path(po_path).with_suffix(".mo")
    if not mo_path.exists():
        return False
    return messages(polib.mofile(str(mo_path))) == messages(polib.pofile(str(po_path)))


class Command(BaseCommand):
    help = "Compile every .po under LOCALE_PATHS to .mo with polib (no gettext tools needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit non-zero if a .mo is missing or out of date.",
        )

    def handle(self, *args, check=False, **options):
        paths = catalogues()
        if not paths:
            raise CommandError(f"No .po files under {list(map(str, settings.LOCALE_PATHS))}.")
        stale = []
        for po_path in paths:
            po = polib.pofile(str(po_path))
            untranslated = len(po.untranslated_entries())
            fuzzy = len(po.fuzzy_entries())
            if untranslated or fuzzy:
                self.stderr.write(
                    f"{po_path}: {untranslated} untranslated, {fuzzy} fuzzy "
                    "(left out of the .mo; English is shown instead)"
                )
            if check:
                if not mo_is_current(po_path):
                    stale.append(po_path)
                continue
            mo_path = compile_catalogue(po_path)
            if options["verbosity"] >= 1:
                self.stdout.write(f"{mo_path} ({po.percent_translated()}% translated)")
        if stale:
            raise CommandError(
                "Out of date: " + ", ".join(map(str, stale)) + " (run manage.py compilemessages_py)"
            )
