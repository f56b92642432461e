"""Forms of the funds pages. They parse (amounts typed in dollars become integer cents);
the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reunite.funds.models import AccountCode, DisbursementKind, DonorKind, Fund

DATE = forms.DateInput(attrs={"type": "date"})
MAX_DOLLARS = Decimal("10000000.00")  # ten million: a typo guard, not a policy


class AmountField(forms.DecimalField):
    """An amount in dollars and cents as typed ("1500", "1,500.00"); cleans to integer
    cents, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Amount (USD)"))
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_value", MAX_DOLLARS)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(max_digits=10, decimal_places=2, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("$", "").strip()
        return super().to_python(value)

    def clean(self, value):
        dollars = super().clean(value)
        return None if dollars is None else int(dollars * 100)


class DonorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DonorKind.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    contact = forms.CharField(
        label=_("Contact (address, email or phone)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class GiftForm(forms.Form):
    donor = forms.ChoiceField(label=_("Donor"))
    amount = AmountField()
    fund = forms.ChoiceField(
        label=_("Restriction"),
        choices=Fund.choices,
        help_text=_(
            "A gift given for bonds or for travel stays in that fund and pays only for it; "
            "an unrestricted gift goes to the general fund."
        ),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args, donors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].choices = [("", "—"), *donors]


class GiftDecisionForm(forms.Form):
    """Accepting or refusing a gift: the reason goes on the record."""

    reason = forms.CharField(
        label=_("Reason (kept with the decision)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ExclusionForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=300)
    agency = forms.CharField(label=_("Agency it contracts with"), max_length=200, required=False)


class ExclusionImportForm(forms.Form):
    file = forms.FileField(
        label=_("Contract-awards CSV (USAspending columns)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class JournalEntryForm(forms.Form):
    """A journal entry by hand, as two legs: an opening balance, a transfer between
    funds, a bank fee. The service refuses what would spend restricted money elsewhere."""

    debit_fund = forms.ChoiceField(label=_("Debit: fund"), choices=Fund.choices)
    debit_account = forms.ChoiceField(label=_("Debit: account"), choices=AccountCode.choices)
    credit_fund = forms.ChoiceField(label=_("Credit: fund"), choices=Fund.choices)
    credit_account = forms.ChoiceField(label=_("Credit: account"), choices=AccountCode.choices)
    amount = AmountField()
    memo = forms.CharField(label=_("Memo (what and why)"), max_length=500)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)

    def clean(self):
        data = super().clean()
        debit = (data.get("debit_fund"), data.get("debit_account"))
        if all(debit) and debit == (data.get("credit_fund"), data.get("credit_account")):
            self.add_error("credit_account", _("Debit and credit must be different accounts."))
        return data


class ReverseForm(forms.Form):
    memo = forms.CharField(label=_("Why it is reversed"), max_length=500)
    occurred_on = forms.DateField(label=_("Date of the reversal"), widget=DATE)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    memo = forms.CharField(label=_("Payment reference (check, transfer)"), required=False)


class SettleForm(forms.Form):
    """A bond's end: cancelled and refunded, or breached and forfeited."""

    on = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(
        label=_("Notes (notice received, court order)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *DisbursementKind.choices], required=False
    )

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]


class DisbursementRequestForm(forms.Form):
    """Money for a case. The cases app fills `person` with the case's adults and checks
    the choice; a bond names the detained parent, the facility, the obligor and the
    bond receipt number."""

    kind = forms.ChoiceField(label=_("What for"), choices=DisbursementKind.choices)
    amount = AmountField()
    fund = forms.ChoiceField(
        label=_("Fund charged"),
        choices=Fund.choices,
        help_text=_("The bond fund pays only bonds; the travel fund only travel."),
    )
    person = forms.ChoiceField(label=_("Detained parent (bonds)"), required=False)
    facility = forms.CharField(label=_("Detention facility"), max_length=200, required=False)
    obligor = forms.CharField(label=_("Obligor"), max_length=200, required=False)
    receipt_number = forms.CharField(
        label=_("Bond receipt number (Form I-305)"), max_length=100, required=False
    )
    details = forms.CharField(
        label=_("Details (tickets, escort, lodging, account to credit)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *parents]

    def clean(self):
        data = super().clean()
        if data.get("kind") == DisbursementKind.BOND:
            for name in ("person", "facility", "obligor"):
                if not data.get(name):
                    self.add_error(name, _("A bond needs this."))
        elif data.get("kind") and not data.get("details"):
            self.add_error("details", _("Say what the money pays for."))
        return data
