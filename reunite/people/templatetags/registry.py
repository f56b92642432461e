"""Display helpers for registry values."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The countries the engine recognises (reunite.matching.names.COUNTRIES), by ISO code.
COUNTRY_NAMES = {
    "GT": _("Guatemala"),
    "HN": _("Honduras"),
    "SV": _("El Salvador"),
    "MX": _("Mexico"),
    "NI": _("Nicaragua"),
    "EC": _("Ecuador"),
    "CO": _("Colombia"),
    "VE": _("Venezuela"),
    "BR": _("Brazil"),
    "HT": _("Haiti"),
    "CU": _("Cuba"),
    "PE": _("Peru"),
    "IN": _("India"),
    "US": _("United States"),
}


@register.filter
def country(code: str) -> str:
    """The country's name in the reader's language; anything unknown as it was typed."""
    return COUNTRY_NAMES.get(code, code) if code else code
