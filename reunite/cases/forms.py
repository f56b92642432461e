"""Forms of the case pages. They parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.cases.choices import (
    ChallengeStatus,
    Channel,
    CheckKind,
    CheckResult,
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    FlagStatus,
    Outcome,
    OutreachOutcome,
    Stage,
    TaskKind,
)
from reunite.cases.services import CLOSING_OUTCOMES

DATE = forms.DateInput(attrs={"type": "date"})


class CaseFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("Only my cases"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], required=False
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"),
        choices=[("", "—"), *[(o.value, o.label) for o in Outcome if o in CLOSING_OUTCOMES]],
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Stage(s).label) for s in allowed]


class AssignForm(forms.Form):
    attorney = forms.ChoiceField(label=_("Attorney"), required=False)
    assistant = forms.ChoiceField(label=_("Legal assistant"), required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((str(u.public_id), u.full_name) for u in staff)]
        self.fields["attorney"].choices = self.fields["assistant"].choices = choices


class _OnCase(forms.Form):
    """A form whose person field offers the case's members."""

    def __init__(self, *args, members=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "person" in self.fields:
            self.fields["person"].choices = [("", "—"), *members]
        if "assignee" in self.fields:
            self.fields["assignee"].choices = [
                ("", "—"),
                *((u.public_id, u.full_name) for u in staff),
            ]


class TaskForm(_OnCase):
    title = forms.CharField(label=_("Task"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)


class ParentageCheckForm(_OnCase):
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckKind.choices)
    result = forms.ChoiceField(label=_("Result"), choices=CheckResult.choices)
    person = forms.ChoiceField(label=_("About"), required=False)
    consent_reference = forms.CharField(label=_("Consent reference (DNA)"), required=False)
    custody_reference = forms.CharField(label=_("Chain-of-custody reference (DNA)"), required=False)
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FlagForm(_OnCase):
    person = forms.ChoiceField(label=_("About"))
    category = forms.ChoiceField(label=_("Category"), choices=FlagCategory.choices)
    source = forms.ChoiceField(label=_("Source"), choices=FlagSource.choices)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FlagReviewForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FlagStatus.choices, required=False)
    challenge_status = forms.ChoiceField(
        label=_("Challenge"), choices=ChallengeStatus.choices, required=False
    )


class DecisionRecordForm(_OnCase):
    person = forms.ChoiceField(label=_("Parent"))
    choice = forms.ChoiceField(label=_("Decision"), choices=DecisionChoice.choices)
    language = forms.CharField(label=_("Language (code)"), max_length=8)
    interpreter_used = forms.BooleanField(label=_("Interpreter used"), required=False)
    counsel_present = forms.BooleanField(label=_("Counsel present"), required=False)
    form = forms.ChoiceField(label=_("Written or recorded"), choices=DecisionForm.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OutreachForm(_OnCase):
    person = forms.ChoiceField(label=_("Person"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OutreachOutcome.choices)
    country = forms.CharField(label=_("Country (ISO code)"), max_length=2, required=False)
    department = forms.CharField(label=_("Department"), required=False)
    municipality = forms.CharField(label=_("Municipality"), required=False)
    language = forms.CharField(label=_("Language (code)"), max_length=8, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, PNG, JPEG or plain text)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}),
    )


class CaseOpenForm(forms.Form):
    """Opening a case by hand: the family unit chosen among the clients the organisation
    can see (found with `q`), and its staff."""

    q = forms.CharField(label=_("Find people (name or number)"), required=False, max_length=200)
    children = forms.MultipleChoiceField(
        label=_("Children"), required=False, widget=forms.CheckboxSelectMultiple
    )
    adults = forms.MultipleChoiceField(
        label=_("Adults"), required=False, widget=forms.CheckboxSelectMultiple
    )
    attorney = forms.ChoiceField(label=_("Attorney"), required=False)
    assistant = forms.ChoiceField(label=_("Legal assistant"), required=False)

    def __init__(self, *args, children=(), adults=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = list(children)
        self.fields["adults"].choices = list(adults)
        people = [("", "—"), *((str(u.public_id), u.full_name) for u in staff)]
        self.fields["attorney"].choices = self.fields["assistant"].choices = people

    def clean(self):
        data = super().clean()
        if not data.get("children"):
            self.add_error("children", _("Choose at least one child."))
        if not data.get("adults"):
            self.add_error("adults", _("Choose at least one adult."))
        return data
