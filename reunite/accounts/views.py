"""Members, invitations and the organisation switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from reunite.accounts import access, selectors, services
from reunite.accounts import recovery_codes as recovery
from reunite.accounts.decorators import member_view, require_step_up
from reunite.accounts.forms import (
    AcceptInvitationForm,
    CredentialsForm,
    FactorResetForm,
    InvitationForm,
    RoleForm,
    SwitchForm,
)
from reunite.accounts.middleware import SESSION_MEMBERSHIP
from reunite.accounts.roles import Capability, Role
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound, ReuniteError


@member_view(Capability.MANAGE_MEMBERS)
def member_list(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                actor=request.membership,
                email=form.cleaned_data["email"],
                role=Role(form.cleaned_data["role"]),
                now=timezone.now(),
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("accounts:invitation_accept", kwargs={"token": token})
                ),
            )
        except Conflict as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("accounts:members")
    context = {
        "members": selectors.member_list(actor=request.membership),
        "invitations": selectors.open_invitations(actor=request.membership, now=timezone.now()),
        "form": form,
    }
    return render(request, "accounts/member_list.html", context)


@member_view()
def member_detail(request, public_id):
    membership = access.access_membership(actor=request.membership, public_id=public_id)
    manage = access.has(request.membership, Capability.MANAGE_MEMBERS)
    context = {
        "member": membership,
        "manage": manage,
        "is_self": membership.pk == request.membership.pk,
        "role_form": RoleForm(initial={"role": membership.role}),
        "reset_form": FactorResetForm(),
        "credentials_form": CredentialsForm(
            initial={
                "bar_number": membership.bar_number,
                "bar_state": membership.bar_state,
                "eoir_id": membership.eoir_id,
            }
        ),
    }
    return render(request, "accounts/member_detail.html", context)


def _sensitive_member_write(request, public_id, action, success):
    """Gate, then a fresh password, then the write; report the outcome on the member page."""
    membership = access.access_membership(actor=request.membership, public_id=public_id, write=True)
    require_step_up(request)
    try:
        action(membership)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("accounts:member", public_id=membership.public_id)


@require_POST
@member_view()
def member_change_role(request, public_id):
    form = RoleForm(request.POST)

    def change(membership):
        if not form.is_valid():
            raise Invalid(_("Choose one of the roles offered."))
        services.membership_change_role(
            actor=request.membership, membership=membership, role=Role(form.cleaned_data["role"])
        )

    return _sensitive_member_write(request, public_id, change, _("Role changed."))


@require_POST
@member_view()
def member_verify(request, public_id):
    return _sensitive_member_write(
        request,
        public_id,
        lambda m: services.attorney_verify(
            actor=request.membership, membership=m, now=timezone.now()
        ),
        _("Attorney verified."),
    )


@require_POST
@member_view()
def member_deactivate(request, public_id):
    return _sensitive_member_write(
        request,
        public_id,
        lambda m: services.membership_deactivate(actor=request.membership, membership=m),
        _("Member deactivated."),
    )


@require_POST
@member_view()
def member_factors_reset(request, public_id):
    """An admin resets the second factors of a member who lost them all (ASVS 6.4.4)."""
    form = FactorResetForm(request.POST)

    def reset(membership):
        if not form.is_valid():
            raise Invalid(_("Say why, and how you confirmed who the member is."))
        try:
            services.member_factors_reset(
                actor=request.membership,
                membership=membership,
                reason=form.cleaned_data["reason"],
                identity_check=form.cleaned_data["identity_check"],
                sign_in_url=request.build_absolute_uri(reverse("account_login")),
            )
        except Forbidden as exc:  # themselves, or another organisation's admin: say why
            raise Conflict(exc.message) from exc

    return _sensitive_member_write(
        request,
        public_id,
        reset,
        _("Second factors reset. The member was told by email and sets up a new one at sign-in."),
    )


@require_POST
@member_view()
def member_credentials(request, public_id):
    membership = access.access_membership(actor=request.membership, public_id=public_id)
    if membership.pk != request.membership.pk and not access.has(
        request.membership, Capability.MANAGE_MEMBERS
    ):
        raise Http404
    form = CredentialsForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_credentials(
                actor=request.membership, membership=membership, **form.cleaned_data
            )
        except Invalid as exc:
            form.add_error(None, exc.message)
    if form.errors:
        context = {
            "member": membership,
            "manage": access.has(request.membership, Capability.MANAGE_MEMBERS),
            "is_self": membership.pk == request.membership.pk,
            "role_form": RoleForm(initial={"role": membership.role}),
            "credentials_form": form,
        }
        return render(request, "accounts/member_detail.html", context, status=400)
    messages.success(request, _("Credentials saved."))
    return redirect("accounts:member", public_id=membership.public_id)


@require_POST
@member_view()
def invitation_revoke(request, public_id):
    invitation = access.access_invitation(actor=request.membership, public_id=public_id)
    try:
        services.invitation_revoke(
            actor=request.membership, invitation=invitation, now=timezone.now()
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Invitation revoked."))
    return redirect("accounts:members")


def invitation_accept(request, token):
    """Public page behind the emailed link: set a name and password, then enrol MFA."""
    now = timezone.now()
    try:
        invitation = services.invitation_by_token(token=token, now=now)
    except NotFound as exc:
        return render(
            request, "accounts/invitation_invalid.html", {"message": exc.message}, status=404
        )
    signed_in = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None) if signed_in is None else None
    if request.method == "POST" and (signed_in is not None or form.is_valid()):
        fields = (
            {}
            if signed_in
            else {
                "full_name": form.cleaned_data["full_name"],
                "password": form.cleaned_data["password1"],
            }
        )
        try:
            membership = services.invitation_accept(token=token, now=now, user=signed_in, **fields)
        except Invalid as exc:
            form.add_error("password1" if exc.code == "password" else None, exc.message)
        except ReuniteError as exc:
            messages.error(request, exc.message)
        else:
            if signed_in is None:
                login(
                    request,
                    membership.user,
                    backend="allauth.account.auth_backends.AuthenticationBackend",
                )
            request.session[SESSION_MEMBERSHIP] = str(membership.public_id)
            messages.success(
                request,
                _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
            )
            return redirect("dashboard:home")
    context = {"invitation": invitation, "form": form, "signed_in": signed_in}
    return render(request, "accounts/invitation_accept.html", context)


@require_POST
@member_view()
def switch_organization(request):
    form = SwitchForm(request.POST)
    if form.is_valid():
        membership = services.membership_switch(
            user=request.user,
            public_id=form.cleaned_data["membership"],
            organization_before=request.membership.organization.public_id,
        )
        request.session[SESSION_MEMBERSHIP] = str(membership.public_id)
        messages.success(
            request,
            _("You are now working for %(organization)s.")
            % {"organization": membership.organization.name},
        )
    return redirect("dashboard:home")


@require_http_methods(["GET", "HEAD", "POST"])
@member_view()
def session_list(request):
    """The member's own sessions: where and when they signed in, and the means to end
    the others (ASVS 7.5.2). Client addresses and devices are the member's own data,
    still: the page, like ending a session, asks for the password again."""
    require_step_up(request)
    current = request.session.session_key
    if request.method == "POST":
        who = {
            "actor": request.user,
            "current_session_key": current,
            "organization": request.membership.organization,
            "source_ip": request.META.get("REMOTE_ADDR"),
        }
        if request.POST.get("session"):
            try:
                services.user_session_end(session_id=request.POST["session"], **who)
            except (Invalid, NotFound) as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("That session has ended."))
        else:
            ended = services.user_sessions_end_others(**who)
            messages.success(
                request,
                ngettext("%(n)d other session ended.", "%(n)d other sessions ended.", ended)
                % {"n": ended},
            )
        return redirect("accounts:sessions")
    rows = selectors.user_session_list(
        user=request.user, current_session_key=current, now=timezone.now()
    )
    return render(request, "accounts/session_list.html", {"sessions": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def recovery_codes(request):
    """Recovery codes: the set just made, shown this once; otherwise how many are left.

    Reachable before the second factor is complete (enrolment ends here), so it needs a
    signed-in user, not a membership. "I have saved them" drops the codes from the session."""
    if request.method == "POST":
        recovery.forget(request)
        return redirect("mfa_index")
    held = recovery.HashedRecoveryCodes.of(request.user)
    if held is None:
        raise Http404
    context = {
        "codes": recovery.shown(request),
        "left": len(held.get_unused_codes()),
        "total": len(held.generate_codes()),
        "minutes": settings.RECOVERY_CODES_SHOW_SECONDS // 60,
    }
    return render(request, "accounts/recovery_codes.html", context)


@require_http_methods(["GET", "HEAD"])
@login_required
@never_cache
def recovery_codes_download(request):
    """The set just made, as a text file, while it may still be shown."""
    codes = recovery.shown(request)
    if not codes:
        raise Http404
    response = HttpResponse("\n".join(codes) + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reunite-recovery-codes.txt"'
    return response
