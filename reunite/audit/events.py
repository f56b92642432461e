"""Every kind of event the audit log knows. New capabilities add their own here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Failed sign-in")
    LOCKOUT = "auth.lockout", _("Sign-in locked out")
    LOGOUT = "auth.logout", _("Signed out")
    SESSION_EXPIRED = "auth.session_expired", _("Session expired")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    PASSWORD_RESET = "auth.password_reset", _("Password reset")
    REAUTHENTICATED = "auth.reauthenticated", _("Re-authenticated")
    MFA_ENROLLED = "mfa.enrolled", _("Second factor enrolled")
    MFA_REMOVED = "mfa.removed", _("Second factor removed")
    RECOVERY_CODES_GENERATED = "mfa.recovery_codes", _("Recovery codes generated")
    ORGANIZATION_CREATED = "org.created", _("Organisation created")
    ORGANIZATION_SWITCHED = "org.switched", _("Switched organisation")
    INVITATION_SENT = "member.invited", _("Invitation sent")
    INVITATION_ACCEPTED = "member.joined", _("Invitation accepted")
    INVITATION_REVOKED = "member.invitation_revoked", _("Invitation revoked")
    ROLE_CHANGED = "member.role_changed", _("Role changed")
    MEMBER_DEACTIVATED = "member.deactivated", _("Member deactivated")
    ATTORNEY_CREDENTIALS_CHANGED = "member.credentials_changed", _("Attorney credentials changed")
    ATTORNEY_VERIFIED = "member.attorney_verified", _("Attorney verified")
    AUDIT_VIEWED = "audit.viewed", _("Audit log viewed")
