from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.tracing.models import CandidateStatus, Decision


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed to reject or to ask for more information. Your organisation's reviewers read it."
        ),
    )


class MatchFilterForm(forms.Form):
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *CandidateStatus.choices], required=False
    )
