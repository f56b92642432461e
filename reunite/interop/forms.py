"""Forms of the import and export pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.interop import limits
from reunite.interop.models import ImportKind
from reunite.interop.rows import FIELDS
from reunite.people.choices import LANGUAGES, CustodyKind, RecordKind


class BoundedUpload(forms.Form):
    """A file no larger than IMPORT_MAX_BYTES, refused from its declared size before
    anything reads it into memory."""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > limits.max_bytes():
            raise forms.ValidationError(
                _("This file is larger than %(mb)d MB: split it.")
                % {"mb": limits.max_bytes() // (1024 * 1024)}
            )
        return upload


class UploadForm(BoundedUpload):
    file = forms.FileField(
        label=_("List (CSV or Excel .xlsx)"),
        help_text=_("The first line must name the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}),
    )


class MappingForm(forms.Form):
    """One choice per column of the file, then what the rows are and where they come from."""

    kind = forms.ChoiceField(label=_("The rows are"), choices=ImportKind.choices)
    source = forms.CharField(
        label=_("Source of the list"),
        max_length=120,
        required=False,
        help_text=_('For example "ICE detainee list". Its column mapping is saved and reused.'),
    )
    consent = forms.BooleanField(
        label=_("Every client in this list consented to tracing (recorded as written consent)"),
        required=False,
        help_text=_("Without consent, imported clients are not searched for."),
    )
    language = forms.ChoiceField(
        label=_("Language the consent was given in"), choices=LANGUAGES, initial="es"
    )
    custody_kind = forms.ChoiceField(
        label=_("Custody recorded for each row"),
        choices=CustodyKind.choices,
        initial=CustodyKind.UNKNOWN,
    )

    def __init__(self, *args, columns: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("(ignore this column)")), *FIELDS.items()]
        for index, column in enumerate(columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                initial=initial_mapping.get(column, ""),
            )

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.columns))]

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"column_{index}"]
            for index, column in enumerate(self.columns)
            if self.cleaned_data.get(f"column_{index}")
        }


def _purpose() -> forms.CharField:
    return forms.CharField(
        label=_("Why is the export needed?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A second person (an organisation admin or a verified attorney) reads this "
            "before approving."
        ),
    )


class ExportForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What"),
        choices=[("people", _("People")), ("cases", _("Reunification cases"))],
        initial="people",
        required=False,
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("xlsx", _("Excel (.xlsx)"))]
    )
    purpose = _purpose()


class PfifUploadForm(BoundedUpload):
    file = forms.FileField(label=_("PFIF file (XML, versions 1.1 to 1.4)"))
    kind = forms.ChoiceField(
        label=_("The people in this file are"),
        choices=[
            (RecordKind.DESCRIBED, _("People someone is looking for (as described)")),
            (RecordKind.CLIENT, _("Our clients")),
        ],
    )


class PfifExportForm(forms.Form):
    include_sensitive = forms.BooleanField(
        label=_("Include date of birth, other names, address and safe contacts"),
        required=False,
        help_text=_("Custody, identifiers, consent and privileged notes are never exported."),
    )
    purpose = _purpose()


class RefuseExportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it refused?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person who asked reads this."),
    )
