from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.audit.events import EventType


class AuditFilterForm(forms.Form):
    event_type = forms.ChoiceField(
        label=_("Event"), choices=[("", _("All events")), *EventType.choices], required=False
    )
    actor = forms.ChoiceField(label=_("Who"), required=False)
    target_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", _("Anyone"))] + [
            (str(m.user.public_id), m.user.full_name) for m in members
        ]
