from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reunite.api.models import Scope


def _lifetimes():
    days = sorted({d for d in (7, 30, 60, 90) if d <= settings.API_TOKEN_MAX_DAYS})
    return [(d, _("%(days)s days") % {"days": d}) for d in days or [settings.API_TOKEN_MAX_DAYS]]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, for example “case management sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        help_text=_("A token can never do more than your role allows."),
    )
    days = forms.TypedChoiceField(label=_("Expires after"), coerce=int, initial=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = _lifetimes()


class RecordIdForm(forms.Form):
    record = forms.UUIDField()
