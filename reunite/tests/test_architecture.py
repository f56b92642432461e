"""Architecture tests: every URL has a place in the access matrix, migrations match the
models, and the layers import only downwards."""

import subprocess
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import signed_in
from reunite.accounts import services
from reunite.accounts.roles import Role
from reunite.cases.tests.records import case_records
from reunite.funds.tests.records import funds_records
from reunite.interop.export_services import export_request_create
from reunite.interop.services import import_upload
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create
from reunite.tracing.models import MatchCandidate

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Public:
    """Reachable without signing in (sign-in, password reset, invitation links)."""

    kwargs: tuple = ()


@dataclass(frozen=True)
class Own:
    """The signed-in user's own account pages: no organisation's data."""

    kwargs: tuple = ()


@dataclass(frozen=True)
class Org:
    """Organisation pages. `record` names the org-A record in the URL: another
    organisation's member must get a 404 for it."""

    record: str | None = None
    method: str = "get"


@dataclass(frozen=True)
class Api:
    """REST endpoints under /api/v1/: a bearer token, never a session. Without one the
    answer is a JSON 401; `record` as for Org (another organisation's token: 404)."""

    record: str | None = None
    method: str = "get"


ACCESS_MATRIX = {
    "dashboard:home": Org(),
    "dashboard:audit": Org(),
    "reports:court": Org(),
    "reports:court_csv": Org(),
    "reports:court_pdf": Org(),
    "reports:court_cases": Org(),
    "accounts:members": Org(),
    "accounts:member": Org("membership"),
    "accounts:member_role": Org("membership", "post"),
    "accounts:member_verify": Org("membership", "post"),
    "accounts:member_deactivate": Org("membership", "post"),
    "accounts:member_credentials": Org("membership", "post"),
    "accounts:member_factors_reset": Org("membership", "post"),
    "accounts:sessions": Org(),
    "accounts:invitation_revoke": Org("invitation", "post"),
    "accounts:switch": Org(method="post"),
    "tracing:matches": Org(),
    "tracing:match": Org("match"),
    "tracing:match_review": Org("match", "post"),
    "tracing:notifications": Org(),
    "people:list": Org(),
    "people:new_parent": Org(),
    "people:new_child": Org(),
    "people:detail": Org("person"),
    "people:history": Org("person"),
    "people:edit": Org("person"),
    "people:name_add": Org("person", "post"),
    "people:identifier_add": Org("person", "post"),
    "people:custody_add": Org("person", "post"),
    "people:contact_add": Org("person", "post"),
    "people:consent_add": Org("person", "post"),
    "people:consent_withdraw": Org("person", "post"),
    "people:link_verify": Org("person", "post"),
    "people:share_grant": Org("person", "post"),
    "people:share_revoke": Org("person", "post"),
    "people:delete": Org("person"),
    "people:restore": Org("person", "post"),
    "interop:imports": Org(),
    "interop:import": Org("import_job"),
    "interop:import_progress": Org("import_job"),
    "interop:import_rejected": Org("import_job"),
    "interop:import_resume": Org("import_job", "post"),
    "interop:pfif_import": Org(),
    "interop:pfif_export": Org(method="post"),
    "interop:export_people": Org(),
    "interop:export_requests": Org(),
    "interop:export_request": Org("export_request"),
    "interop:export_request_approve": Org("export_request", "post"),
    "interop:export_request_refuse": Org("export_request", "post"),
    "interop:export_request_download": Org("export_request", "post"),
    "accounts:invitation_accept": Public((("token", "no-such-token"),)),
    "set_language": Public(),
    "account_login": Public(),
    "account_signup": Public(),
    "account_inactive": Public(),
    "account_email_verification_sent": Public(),
    "account_confirm_email": Public((("key", "bad-key"),)),
    "account_reset_password": Public(),
    "account_reset_password_done": Public(),
    "account_reset_password_from_key": Public((("uidb36", "1"), ("key", "bad-key"))),
    "account_reset_password_from_key_done": Public(),
    "account_confirm_login_code": Public(),
    "mfa_authenticate": Public(),
    "account_logout": Public(),  # signing out when signed out does nothing
    "account_reauthenticate": Own(),
    "account_request_reauthentication_code": Own(),
    "account_confirm_reauthentication_code": Own(),
    "account_email": Own(),
    "account_change_password": Own(),
    "account_set_password": Own(),
    "mfa_index": Own(),
    "mfa_reauthenticate": Own(),
    "mfa_activate_totp": Own(),
    "mfa_deactivate_totp": Own(),
    "mfa_view_recovery_codes": Own(),
    "mfa_generate_recovery_codes": Own(),
    "mfa_download_recovery_codes": Own(),
    "mfa_list_webauthn": Own(),
    "mfa_add_webauthn": Own(),
    "mfa_reauthenticate_webauthn": Own(),
    "mfa_remove_webauthn": Own((("pk", 1),)),
    "mfa_edit_webauthn": Own((("pk", 1),)),
    "api:people": Api(),
    "api:people_search": Api(method="post"),
    "api:person": Api("person"),
    "api:person_identifiers": Api("person"),
    "api:person_custody": Api("person"),
    "api:matches": Api(),
    "api:match": Api("match"),
    "api:match_review": Api("match", "post"),
    "api:imports": Api(),
    "api:import": Api("import_job"),
    "api:schema": Public(),  # the API's description (open-source code), no data
    "api:docs": Public(),
    "api:not_found": Public((("rest", "nowhere"),)),  # a JSON 404 for any other API path
    "api:tokens": Org(),
    "api:token_create": Org(),
    "api:token_revoke": Org(method="post"),
    "cases:list": Org(),
    "cases:overdue": Org(),
    "cases:open_from_match": Org("match", "post"),
    "cases:detail": Org("case"),
    "cases:transition": Org("case", "post"),
    "cases:assign": Org("case", "post"),
    "cases:task_add": Org("case", "post"),
    "cases:check_add": Org("case", "post"),
    "cases:flag_add": Org("case", "post"),
    "cases:decision_add": Org("case", "post"),
    "cases:outreach_add": Org("case", "post"),
    "cases:document_upload": Org("case", "post"),
    "cases:task_done": Org("task", "post"),
    "cases:flag_review": Org("flag", "post"),
    "cases:decision_revoke": Org("decision", "post"),
    "cases:document": Org("document"),
    "cases:new": Org(),
    "cases:disbursement_request": Org("case", "post"),
    "funds:overview": Org(),
    "funds:ledger": Org(),
    "funds:transaction_new": Org(),
    "funds:transaction": Org("transaction"),
    "funds:transaction_reverse": Org("transaction", "post"),
    "funds:donors": Org(),
    "funds:donor_add": Org(method="post"),
    "funds:gift_new": Org(),
    "funds:gift": Org("gift"),
    "funds:gift_accept": Org("gift", "post"),
    "funds:gift_refuse": Org("gift", "post"),
    "funds:gift_letter": Org("gift"),
    "funds:gift_letter_download": Org("gift"),
    "funds:exclusions": Org(),
    "funds:exclusion_add": Org(method="post"),
    "funds:exclusions_import": Org(method="post"),
    "funds:disbursements": Org(),
    "funds:disbursement": Org("disbursement"),
    "funds:disbursement_approve": Org("disbursement", "post"),
    "funds:disbursement_reject": Org("disbursement", "post"),
    "funds:disbursement_pay": Org("disbursement", "post"),
    "funds:disbursement_refund": Org("disbursement", "post"),
    "funds:disbursement_forfeit": Org("disbursement", "post"),
}


def url_names(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_access_matrix():
    names = set(url_names())
    assert names - ACCESS_MATRIX.keys() == set(), "new URLs must join the access matrix"
    assert ACCESS_MATRIX.keys() - names == set(), "the matrix names URLs that do not exist"


@pytest.fixture
def org_a_records(ada, bob):
    invitation, _ = services.invitation_create(
        actor=ada.memberships.get(),
        email="pending@a.example.org",
        role=Role.ATTORNEY,
        now=timezone.now(),
        accept_url=lambda token: token,
    )
    person = person_create(
        actor=ada.memberships.get(),
        data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rosa", paternal_surname="García"),
        today=timezone.localdate(),
    )
    sought = person_create(
        actor=ada.memberships.get(),
        data=PersonInput(family_role=FamilyRole.PARENT, kind="described", given_names="Rosa"),
        today=timezone.localdate(),
    )
    match = MatchCandidate.objects.create(
        subject=sought,
        candidate=person,
        subject_organization=person.organization,
        candidate_organization=person.organization,
        match_probability=0.9,
        match_weight=8.0,
        model_version="test",
    )
    records = {
        "membership": bob.memberships.get(),
        "invitation": invitation,
        "person": person,
        "match": match,
        "import_job": import_upload(
            actor=ada.memberships.get(), file_name="list.csv", data=b"given_names\nRosa\n"
        ),
        "export_request": export_request_create(
            actor=ada.memberships.get(),
            kind="people",
            fmt="csv",
            purpose="Court filing",
            now=timezone.now(),
        ),
    }
    records.update(case_records(actor=ada.memberships.get(), adult=person))
    records.update(
        funds_records(
            organization=person.organization,
            requester=ada.memberships.get(),
            case_id=records["case"].public_id,
            person_id=person.public_id,
        )
    )
    return records


def org_url(name, spec, records):
    kwargs = {"public_id": records[spec.record].public_id} if spec.record else {}
    return reverse(name, kwargs=kwargs)


ORG_URLS = [(n, s) for n, s in ACCESS_MATRIX.items() if isinstance(s, Org)]
OWN_URLS = [(n, s) for n, s in ACCESS_MATRIX.items() if isinstance(s, Own)]
PUBLIC_URLS = [(n, s) for n, s in ACCESS_MATRIX.items() if isinstance(s, Public)]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), ORG_URLS)
def test_organisation_pages_send_anonymous_visitors_to_sign_in(client, org_a_records, name, spec):
    response = getattr(client, spec.method)(org_url(name, spec, org_a_records))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), [(n, s) for n, s in ORG_URLS if s.record])
def test_another_organisation_gets_404_for_org_a_records(
    client, org_a_records, charlie, name, spec
):
    signed_in(client, charlie, reauthenticated=True)
    response = getattr(client, spec.method)(org_url(name, spec, org_a_records))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), [(n, s) for n, s in ORG_URLS if not s.record])
def test_another_organisation_never_sees_org_a_on_its_pages(
    client, org_a_records, charlie, name, spec
):
    signed_in(client, charlie, reauthenticated=True)
    response = getattr(client, spec.method)(org_url(name, spec, org_a_records))
    assert response.status_code in {200, 302, 403}
    body = response.content.decode(errors="replace")  # binary downloads (PDF) too
    assert "Border Legal Aid" not in body
    assert org_a_records["membership"].user.email not in body


API_URLS = [(n, s) for n, s in ACCESS_MATRIX.items() if isinstance(s, Api)]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), API_URLS)
def test_api_endpoints_answer_401_json_without_a_token(client, org_a_records, name, spec):
    response = getattr(client, spec.method)(org_url(name, spec, org_a_records))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), [(n, s) for n, s in API_URLS if s.record])
def test_another_organisations_token_gets_404_for_org_a_records(
    client, org_a_records, charlie, name, spec
):
    from reunite.api.tests.conftest import make_token

    headers = {"Authorization": f"Bearer {make_token(charlie)}"}
    url = org_url(name, spec, org_a_records)
    response = getattr(client, spec.method)(url, headers=headers, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), OWN_URLS)
def test_own_account_pages_need_a_signed_in_user(client, name, spec):
    response = client.get(reverse(name, kwargs=dict(spec.kwargs)))
    assert response.status_code in {302, 403, 404, 405}
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "spec"), PUBLIC_URLS)
def test_public_pages_answer_without_errors(client, name, spec):
    response = client.get(reverse(name, kwargs=dict(spec.kwargs)))
    assert response.status_code in {200, 302, 404, 405}


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_layers_import_only_downwards():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
