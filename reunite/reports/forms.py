from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.reports.court import FIGURE_KEYS


class AsOfForm(forms.Form):
    """The moment the report describes; empty means now. Links carry it in ISO 8601
    with its offset, so that a drill-down or an export describes exactly the same moment."""

    as_of = forms.DateTimeField(
        label=_("As of"),
        required=False,
        help_text=_("Date and time (your time zone). Empty: now."),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
    )


class FigureForm(AsOfForm):
    figure = forms.ChoiceField(choices=[(key, key) for key in FIGURE_KEYS])
