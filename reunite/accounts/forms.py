from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from reunite.accounts.roles import Role
from reunite.accounts.services import FactorResetReason, IdentityCheck


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),  # WCAG 1.3.5: the user's own
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class CredentialsForm(forms.Form):
    bar_number = forms.CharField(label=_("Bar number"), max_length=32, required=False)
    bar_state = forms.CharField(
        label=_("Bar state (two letters)"), max_length=2, min_length=2, required=False
    )
    eoir_id = forms.CharField(
        label=_("EOIR ID (accredited representatives)"), max_length=32, required=False
    )


class SwitchForm(forms.Form):
    membership = forms.UUIDField()


class FactorResetForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=FactorResetReason.choices)
    identity_check = forms.ChoiceField(
        label=_("How you confirmed who the member is"),
        choices=IdentityCheck.choices,
        help_text=_(
            "As when they were invited: you saw them, and an identity document, yourself. "
            "An email or a phone call is not enough."
        ),
    )
