"""The registry's forms: they parse what was typed and check it against the same rules the
services apply (so each error lands next to its field); the services still decide."""

from __future__ import annotations

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from reunite.core.errors import Invalid
from reunite.people.choices import (
    LANGUAGES,
    Agency,
    ConsentMethod,
    ConsentScope,
    ContactKind,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    RecordKind,
    Relationship,
    SeparationReason,
    Sex,
    ShareLevel,
)
from reunite.people.identifiers import normalize_identifier
from reunite.people.services import (
    ConsentInput,
    CustodyInput,
    PersonInput,
    SeparationInput,
    field_digest,
)

MAX_RELATIVES = 6
MAX_IDENTIFIERS = 8

BIRTH_DATE_HELP = _("YYYY-MM-DD, or YYYY-MM or YYYY when only part is known.")
AGE_HELP = _("When no date is known: years, or a range like 5-7.")


def blank(label):
    return [("", label)]


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or number"),
        required=False,
        max_length=200,
        help_text=_(
            "Any name or surname, in any order and spelling, or an A-number or other number."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)


class PersonForm(forms.Form):
    """The person's own fields. `clean()` applies PersonInput's rules so that a wrong date
    or age is reported next to its field."""

    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    paternal_surname = forms.CharField(
        label=_("Paternal surname (first surname)"), max_length=200, required=False
    )
    maternal_surname = forms.CharField(
        label=_("Maternal surname (second surname)"), max_length=200, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.CharField(
        label=_("Date of birth"), max_length=10, required=False, help_text=BIRTH_DATE_HELP
    )
    approximate_age = forms.CharField(
        label=_("Approximate age"), max_length=5, required=False, help_text=AGE_HELP
    )
    country_of_birth = forms.CharField(
        label=_("Country of birth"),
        max_length=60,
        required=False,
        help_text=_("For example Guatemala, Honduras, El Salvador."),
    )
    place_of_birth = forms.CharField(
        label=_("Place of birth"),
        max_length=200,
        required=False,
        help_text=_("Department and municipality, village."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    notes = forms.CharField(
        label=_("Privileged notes"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Attorney work product: only your organisation and those you share the record with see it."
        ),
    )

    family_role = FamilyRole.PARENT
    kind = RecordKind.CLIENT

    def __init__(self, *args, family_role=None, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.family_role = family_role or self.family_role
        self.kind = kind or self.kind

    def person_input(self) -> PersonInput:
        data = {name: self.cleaned_data.get(name) for name in PERSON_FIELDS if name in self.fields}
        data = {k: v for k, v in data.items() if v is not None}
        return PersonInput(family_role=self.family_role, kind=self.kind, **data)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.person_input().cleaned()
            except Invalid as exc:
                self.add_error(exc.code if exc.code in self.fields else None, exc.message)
        return cleaned

    @classmethod
    def initial_for(cls, person) -> dict:
        initial = {name: getattr(person, name) for name in PERSON_FIELDS}
        initial["languages"] = [code for code in person.languages.split(",") if code]
        return initial


class PersonEditForm(PersonForm):
    """The edit page's form. `seen` carries a digest of each value the page showed, so
    that saving writes only what this editor changed and notices a change someone else
    saved to the same field in the meantime (see services.person_update)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def seen_for(person) -> str:
        return ",".join(field_digest(name, getattr(person, name)) for name in PERSON_FIELDS)

    def seen_digests(self) -> dict[str, str] | None:
        """The digests the page was rendered with; None if the field is missing or mangled
        (the save then writes every field, as a form without it would)."""
        digests = (self.cleaned_data.get("seen") or "").split(",")
        if len(digests) != len(PERSON_FIELDS):
            return None
        return dict(zip(PERSON_FIELDS, digests, strict=True))


PERSON_FIELDS = [
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "sex",
    "birth_date",
    "approximate_age",
    "country_of_birth",
    "place_of_birth",
    "languages",
    "needs_interpreter",
    "notes",
]


class RelativeForm(PersonForm):
    """Someone the client is looking for, as the client describes them."""

    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=blank(_("Choose…")) + Relationship.choices
    )

    field_order = [
        "given_names",
        "paternal_surname",
        "maternal_surname",
        "sex",
        "birth_date",
        "approximate_age",
        "relationship",
        "notes",
    ]

    def __init__(self, *args, relationships=None, relationship_label=None, **kwargs):
        super().__init__(*args, kind=RecordKind.DESCRIBED, **kwargs)
        for name in ("country_of_birth", "place_of_birth", "languages", "needs_interpreter"):
            del self.fields[name]
        self.fields["notes"].label = _("What the client says about them")
        self.fields["notes"].help_text = ""
        self.fields["notes"].widget.attrs["rows"] = 2
        self.fields["sex"].choices = blank(_("Unknown")) + [
            c for c in Sex.choices if c[0] != Sex.UNKNOWN
        ]
        self.fields["sex"].required = False
        self.fields["sex"].initial = ""
        if relationships is not None:
            self.fields["relationship"].choices = blank(_("Choose…")) + [
                (value, label) for value, label in Relationship.choices if value in relationships
            ]
        if relationship_label:
            self.fields["relationship"].label = relationship_label

    def person_input(self) -> PersonInput:
        data = super().person_input()
        data.sex = data.sex or Sex.UNKNOWN
        return data


class RowsFormSet(BaseFormSet):
    """A formset that can be re-shown unbound with the rows already typed plus an empty
    one (the "add another" button works without JavaScript and shows no premature
    errors). Empty rows are skipped."""

    def __init__(self, *args, rows=None, **kwargs):
        self.rows = rows or []
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.extra = max(len(self.rows), self.min_rows)

    min_rows = 1

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if not self.is_bound and index is not None and index < len(self.rows):
            kwargs["initial"] = self.rows[index]
        return kwargs

    def filled(self):
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]

    def typed_rows(self) -> list[dict]:
        """What was typed in each row, as initial values for an unbound re-display."""
        return [typed_values(form) for form in self.forms]


def typed_values(form) -> dict:
    """The raw values a bound form received, usable as `initial` for an unbound form."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


RelativeFormSet = formset_factory(
    RelativeForm,
    formset=RowsFormSet,
    extra=1,
    max_num=MAX_RELATIVES,
    validate_max=True,
    absolute_max=MAX_RELATIVES,
)


class IdentifierForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of number"), choices=IdentifierKind.choices)
    value = forms.CharField(label=_("Number"), max_length=64, required=False)

    def has_changed(self):
        # The kind alone (it has a default) is not a row worth saving.
        return (
            bool((self.data.get(self.add_prefix("value")) or "").strip())
            if self.is_bound
            else False
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("value"):
            try:
                cleaned["canonical"] = normalize_identifier(cleaned["kind"], cleaned["value"])
            except Invalid as exc:
                self.add_error("value", exc.message)
        return cleaned


class IdentifierRowsFormSet(RowsFormSet):
    min_rows = 2

    def clean(self):
        seen = set()
        for form in self.filled():
            key = (form.cleaned_data["kind"], form.cleaned_data.get("canonical"))
            if key in seen:
                form.add_error("value", _("This number is already listed above."))
            seen.add(key)


IdentifierFormSet = formset_factory(
    IdentifierForm,
    formset=IdentifierRowsFormSet,
    extra=2,
    max_num=MAX_IDENTIFIERS,
    validate_max=True,
    absolute_max=MAX_IDENTIFIERS,
)


class CustodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Where they are held"), choices=CustodyKind.choices)
    facility = forms.CharField(label=_("Facility"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    state = forms.CharField(label=_("State"), max_length=60, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=60, required=False, help_text=_("When removed or abroad.")
    )
    start_date = forms.DateField(label=_("Held there since"), required=False, widget=date_input())
    end_date = forms.DateField(label=_("Until"), required=False, widget=date_input())
    source = forms.CharField(
        label=_("Source of this information"),
        max_length=120,
        required=False,
        help_text=_("For example the ICE detainee locator, the client, the shelter."),
    )
    last_verified_on = forms.DateField(
        label=_("Last verified on"), required=False, widget=date_input()
    )

    def __init__(self, *args, optional=False, with_end=True, **kwargs):
        super().__init__(*args, **kwargs)
        if optional:
            self.fields["kind"].choices = blank(_("Not known yet")) + CustodyKind.choices
            self.fields["kind"].required = False
        if not with_end:
            del self.fields["end_date"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Custody cannot end before it starts."))
        return cleaned

    def custody_input(self) -> CustodyInput | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return CustodyInput(
            **{name: data.get(name) or ("" if name in _TEXT else None) for name in _CUSTODY_FIELDS}
        )


_CUSTODY_FIELDS = [
    "kind",
    "facility",
    "city",
    "state",
    "country",
    "start_date",
    "end_date",
    "source",
    "last_verified_on",
]
_TEXT = {"kind", "facility", "city", "state", "country", "source"}


class IntakeConsentForm(forms.Form):
    tracing = forms.BooleanField(label=ConsentScope.TRACING.label, required=False)
    sharing = forms.BooleanField(label=ConsentScope.SHARING.label, required=False)
    method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=blank(_("Choose…")) + ConsentMethod.choices,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("In which language"), choices=blank(_("Choose…")) + LANGUAGES, required=False
    )
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when the client consented; otherwise who consented for them."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tracing") or cleaned.get("sharing"):
            if not cleaned.get("method"):
                self.add_error("method", _("Say how the client consented."))
            if not cleaned.get("language"):
                self.add_error("language", _("Say in which language consent was explained."))
        return cleaned

    def consent_inputs(self) -> list[ConsentInput]:
        data = self.cleaned_data
        return [
            ConsentInput(
                scope=scope,
                method=data["method"],
                language=data["language"],
                given_by=data["given_by"],
            )
            for scope in (ConsentScope.TRACING, ConsentScope.SHARING)
            if data.get(scope.value)
        ]


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Consent to"), choices=ConsentScope.choices)
    method = forms.ChoiceField(label=_("How consent was given"), choices=ConsentMethod.choices)
    language = forms.ChoiceField(label=_("In which language"), choices=LANGUAGES)
    given_by = forms.CharField(label=_("Given by"), max_length=200, required=False)

    def consent_input(self) -> ConsentInput:
        return ConsentInput(**self.cleaned_data)


class SeparationForm(forms.Form):
    occurred_on = forms.DateField(
        label=_("Date of separation"), required=False, widget=date_input()
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Port of entry or Border Patrol sector."),
    )
    agency = forms.ChoiceField(
        label=_("Separating agency"), choices=blank(_("Not known")) + Agency.choices, required=False
    )
    reason = forms.ChoiceField(
        label=_("Reason given"),
        choices=blank(_("Not known")) + SeparationReason.choices,
        required=False,
    )
    reason_detail = forms.CharField(
        label=_("What the client was told"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def separation_input(self) -> SeparationInput | None:
        data = self.cleaned_data
        if not any(data.values()):
            return None
        return SeparationInput(
            occurred_on=data["occurred_on"],
            place=data["place"],
            agency=data["agency"],
            reason=data["reason"],
            reason_detail=data["reason_detail"],
            reported_by="intake",
        )


class NameForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of name"), choices=NameKind.choices)
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    family_names = forms.CharField(label=_("Surnames"), max_length=200, required=False)
    source = forms.CharField(
        label=_("Where it was recorded"),
        max_length=120,
        required=False,
        help_text=_("For example an ORR record, a CBP form."),
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("given_names", "").strip() or cleaned.get("family_names", "").strip()):
            self.add_error("given_names", _("Give the name as it was recorded."))
        return cleaned


class IdentifierAddForm(IdentifierForm):
    source = forms.CharField(label=_("Source"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].required = True

    def has_changed(self):
        return forms.Form.has_changed(self)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Number or address"), max_length=200)
    holder = forms.CharField(
        label=_("Whose it is"),
        max_length=200,
        required=False,
        help_text=_("When it belongs to a relative or friend."),
    )
    safe_to_contact = forms.BooleanField(
        label=_("Safe to contact"),
        required=False,
        help_text=_(
            "Tick only when the client confirmed that calling or writing here puts no one at risk."
        ),
    )


class ShareForm(forms.Form):
    organization = forms.ChoiceField(label=_("Organisation"))
    level = forms.ChoiceField(label=_("Access"), choices=ShareLevel.choices)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = blank(_("Choose…")) + [
            (str(o.public_id), o.name) for o in organizations
        ]


class RecordIdForm(forms.Form):
    """The id of a consent, link or share named by a small POST form on the person page."""

    record = forms.UUIDField()
