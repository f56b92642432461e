"""Integer cents shown as dollars: `{{ amount_cents|dollars }}` -> "$1,500.00"."""

from django import template

register = template.Library()


@register.filter
def dollars(cents) -> str:
    if cents is None or cents == "":
        return "—"
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


@register.filter
def credit(cents) -> str:
    """A credit leg (stored negative) in the ledger's credit column, without its sign."""
    return dollars(-int(cents))
