"""The engine's evidence, in the reader's language.

The engine (pure Python, no Django) words its evidence in English; the portal shows it in
English, Spanish or French. This table gives every (comparison, level) a translatable
sentence; a test fails when the engine gains a level this table does not know.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _real_gettext
from django.utils.translation import gettext_lazy as _

LEVEL_TEXTS = {
    ("given_name", "null"): _("Given name missing on one side"),
    ("given_name", "exact"): _("Given names match exactly"),
    ("given_name", "phonetic"): _("Given names sound the same (spelling differs)"),
    ("given_name", "nickname"): _("Given names match through a nickname"),
    ("given_name", "close"): _("Given names are close (likely typo)"),
    ("given_name", "subset"): _(
        "One given name agrees; the other name is recorded on one side only"
    ),
    ("given_name", "partial"): _("One given name agrees but another differs"),
    ("given_name", "initial"): _("Only the initials of the given names agree"),
    ("given_name", "disagree"): _("Given names differ"),
    ("surname", "null"): _("Surname missing on one side"),
    ("surname", "exact"): _("Surnames match exactly"),
    ("surname", "swapped"): _("Both surnames match, recorded in the opposite order"),
    ("surname", "fuzzy"): _("Both surnames match allowing for spelling"),
    ("surname", "one_missing"): _(
        "The surname agrees; a second surname is recorded on one side only"
    ),
    ("surname", "one_agrees"): _("One surname agrees but the other differs"),
    ("surname", "disagree"): _("Surnames differ"),
    ("birth_date", "null"): _("Date of birth and age unknown on one side"),
    ("birth_date", "exact"): _("Birth dates match exactly"),
    ("birth_date", "swapped"): _("Birth dates match with day and month swapped"),
    ("birth_date", "year_off"): _("Birth dates match except the year is off by one"),
    ("birth_date", "typo"): _("Birth dates differ by a single digit"),
    ("birth_date", "partial"): _(
        "The known parts of the birth dates agree (only year or month recorded)"
    ),
    ("birth_date", "age_consistent"): _("The stated age fits the other record's birth date"),
    ("birth_date", "year_only"): _("Birth years agree but month or day differ"),
    ("birth_date", "disagree"): _("Birth dates differ"),
    ("sex", "null"): _("Sex unknown on one side"),
    ("sex", "agree"): _("Sex agrees"),
    ("sex", "disagree"): _("Sex differs"),
    ("country", "null"): _("Country of birth unknown on one side"),
    ("country", "agree"): _("Country of birth agrees"),
    ("country", "disagree"): _("Country of birth differs"),
    ("place", "null"): _("Place of birth unknown on one side"),
    ("place", "exact"): _("Place of birth matches"),
    ("place", "close"): _("Place of birth is similar"),
    ("place", "disagree"): _("Place of birth differs"),
    ("identifier", "null"): _("No identifier on one side"),
    ("identifier", "exact"): _("An identifier (A-number) matches"),
    ("identifier", "typo"): _("Identifiers differ by one digit"),
    ("identifier", "disagree"): _("Identifiers differ"),
    ("family", "null"): _("No family member named on one side"),
    ("family", "full"): _("A family member's name matches"),
    ("family", "similar"): _("A family member's name is similar"),
    ("family", "disagree"): _("The family members named differ"),
    ("contact", "null"): _("No contact details on one side"),
    ("contact", "phone"): _("Phone numbers match"),
    ("contact", "address"): _("Addresses match"),
    ("contact", "disagree"): _("Contact details differ"),
}


def describe(contribution: dict) -> str:
    """One stored contribution as a sentence with its weight, e.g. "Sex agrees (+1.0)"."""
    text = LEVEL_TEXTS.get((contribution["field"], contribution["level"]))
    if text is None:  # a level newer than this table: the engine's own English words
        return contribution["text"]
    if contribution["level"] == "null":
        return _real_gettext("%(evidence)s (no evidence)") % {"evidence": text}
    weight = number_format(contribution["weight"], decimal_pos=1, force_grouping=False)
    sign = "+" if contribution["weight"] >= 0 else ""
    return f"{text} ({sign}{weight})"
