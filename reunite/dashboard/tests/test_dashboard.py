"""The dashboard: the member's own work, what waits, stale custody, and the organisation's
figures drawn on the server. Org A's history is the court report's (reports/tests)."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import _member, signed_in
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services as cases
from reunite.cases.choices import TaskKind
from reunite.core.tests.test_headers import csp_directives
from reunite.funds import services as funds
from reunite.funds.models import DisbursementKind, DonorKind, Fund
from reunite.people.choices import CustodyKind, FamilyRole
from reunite.people.services import CustodyInput, PersonInput, custody_record, person_create
from reunite.reports.tests.history import build_history, moment

pytestmark = pytest.mark.django_db

MID_MAY = moment(5, 15, 12)


@pytest.fixture
def history(alice):
    return build_history(alice.memberships.get())


def home(client, user, *, at=MID_MAY, language=None):
    with time_machine.travel(at, tick=False):
        signed_in(client, user)
        headers = {"Accept-Language": language} if language else {}
        return client.get(reverse("dashboard:home"), headers=headers)


def bars(body: str, slug: str) -> list[int]:
    """The data-value of every bar of one chart, in drawing order."""
    figure = body.split(f'id="chart-{slug}"', 1)[1].split("</figure>", 1)[0]
    return [int(v) for v in re.findall(r'<rect class="bar"[^>]*data-value="(\d+)"', figure)]


def test_charts_show_the_organisations_figures(client, history, alice):
    page = home(client, alice)
    body = page.content.decode()
    months = bars(body, "reunifications")
    assert len(months) == 12  # June 2025 .. May 2026
    assert months[-2] == 1  # case 1, reunified in April
    assert sum(months) == 1
    # identified, located, contact, parentage, eligibility, decision, logistics, reunified, closed
    assert bars(body, "stages") == [1, 0, 0, 0, 0, 0, 0, 1, 2]
    assert 'id="chart-money"' not in body  # an attorney does not read the ledger
    titles = [c.title for c in page.context["charts"]]
    assert titles == ["Reunifications, month by month", "Cases by stage"]


def test_each_chart_has_a_title_a_description_and_a_data_table(client, history, alice):
    body = home(client, alice).content.decode()
    figure = body.split('id="chart-stages"', 1)[1].split("</figure>", 1)[0]
    assert 'role="img"' in figure
    assert 'aria-labelledby="chart-stages-title chart-stages-desc"' in figure
    assert '<title id="chart-stages-title">Cases by stage</title>' in figure
    assert '<desc id="chart-stages-desc">' in figure
    assert "<details>" in figure and "<table" in figure
    assert '<th scope="row">Reunified</th><td class="num">1</td>' in figure
    assert '<th scope="row">Closed</th><td class="num">2</td>' in figure


def test_bar_heights_follow_the_values(client, history, alice):
    chart = next(c for c in home(client, alice).context["charts"] if c.slug == "stages")
    by_value = {bar.value: bar.width for bar in chart.bars}  # horizontal: the width
    assert by_value[0] == 0
    assert by_value[2] == pytest.approx(2 * by_value[1], abs=0.1)


def test_svg_numbers_are_not_localised(client, history, alice):
    """French writes 12,5: an SVG attribute must stay 12.5."""
    body = home(client, alice, language="fr").content.decode()
    assert '<html lang="fr">' in body
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert re.search(r' (x|y|width|height)="\d+\.\d"', svg)
    assert not re.search(r' (x|y|width|height)="[^"]*,', svg)


def test_money_in_and_out_by_fund_for_those_who_read_the_ledger(client, org_a, alice, ada):
    fiona = _member(org_a, "Fiona Finance", "fiona@a.example.org", Role.FINANCE_OFFICER)
    felix = _member(org_a, "Felix Finance", "felix@a.example.org", Role.FINANCE_OFFICER)
    officer, approver = fiona.memberships.get(), felix.memberships.get()
    now, today = timezone.now(), timezone.localdate()
    for fund, cents in ((Fund.BOND, 2_000_000), (Fund.TRAVEL, 500_000)):
        donor = funds.donor_create(actor=officer, kind=DonorKind.INDIVIDUAL, name="Donante Uno")
        gift = funds.gift_record(
            actor=officer, donor=donor, amount_cents=cents, fund=fund, received_on=today
        )
        funds.gift_accept(actor=officer, gift=gift, now=now)
    case = _a_case(alice)
    trip = funds.disbursement_request(
        actor=alice.memberships.get(),
        case_id=case.public_id,
        kind=DisbursementKind.TRAVEL,
        amount_cents=120_000,
        fund=Fund.TRAVEL,
    )
    funds.disbursement_approve(actor=approver, disbursement=trip, now=now)
    funds.disbursement_pay(actor=officer, disbursement=trip, paid_on=today, now=now)

    for who in (fiona, ada):
        body = home(client, who, at=now).content.decode()
        # general (in, out), bond (in, out), travel (in, out)
        assert bars(body, "money") == [0, 0, 2_000_000, 0, 500_000, 120_000]
        assert "$1,200" in body and "$20,000" in body
    assert 'id="chart-money"' not in home(client, alice, at=now).content.decode()


def _a_case(user, *, name="Eva", now=None):
    actor = user.memberships.get()
    today = timezone.localdate()
    child = person_create(
        actor=actor, data=PersonInput(family_role=FamilyRole.CHILD, given_names=name), today=today
    )
    parent = person_create(
        actor=actor, data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rut"), today=today
    )
    return cases.case_open(
        actor=actor, children=[child], adults=[parent], now=now or timezone.now()
    )


def test_my_cases_tasks_overdue_and_stale_custody(client, alice, bob):
    actor = alice.memberships.get()
    now, today = timezone.now(), timezone.localdate()
    mine = _a_case(alice)
    cases.task_create(
        actor=actor, case=mine, title="Llamar al consulado", kind=TaskKind.CALL,
        due_on=today - timedelta(days=2), assignee=alice, now=now,
    )  # fmt: skip
    cases.task_create(
        actor=actor, case=mine, title="Bob's task", kind=TaskKind.DOCUMENT,
        due_on=today - timedelta(days=1), assignee=bob, now=now,
    )  # fmt: skip
    held = person_create(
        actor=actor,
        data=PersonInput(
            family_role=FamilyRole.PARENT, given_names="Marta", paternal_surname="Quiñónez"
        ),
        today=today,
    )
    custody_record(
        actor=actor,
        person=held,
        data=CustodyInput(
            kind=CustodyKind.ICE,
            start_date=date(2026, 1, 5),
            last_verified_on=today - timedelta(days=90),
        ),
    )
    fresh = person_create(
        actor=actor,
        data=PersonInput(family_role=FamilyRole.PARENT, given_names="Lidia"),
        today=today,
    )
    custody_record(
        actor=actor, person=fresh, data=CustodyInput(kind=CustodyKind.ICE, last_verified_on=today)
    )

    page = home(client, alice, at=now)
    body = page.content.decode()
    assert [c.reference for c in page.context["my_cases"]] == [mine.reference]
    assert [t.title for t in page.context["my_tasks"]] == ["Llamar al consulado"]
    assert "Llamar al consulado" in body and "Bob&#x27;s task" not in body
    assert "overdue</span>" in body
    assert page.context["overdue"] == 2  # the organisation's, Bob's included
    assert "2 overdue tasks in the organisation" in body
    assert [p.public_id for p, _custody in page.context["stale"]] == [held.public_id]
    assert "Quiñónez" in body and "Lidia" not in body
    event = AuditEvent.objects.filter(event_type=EventType.DASHBOARD_VIEWED).get()
    assert event.fields == ["person.name", "task.title"]
    assert event.data == {"tasks": 1, "people": 1}
    assert "Quiñónez" not in str(event.data)


def test_the_stale_custody_scan_is_kept_a_minute_but_never_shows_a_person_gone_since(
    client, alice, settings
):
    actor, now, today = alice.memberships.get(), timezone.now(), timezone.localdate()
    held = []
    for name in ("Marta", "Lidia"):
        person = person_create(
            actor=actor,
            data=PersonInput(family_role=FamilyRole.PARENT, given_names=name),
            today=today,
        )
        custody_record(
            actor=actor,
            person=person,
            data=CustodyInput(kind=CustodyKind.ICE, last_verified_on=today - timedelta(days=60)),
        )
        held.append(person)
    assert len(home(client, alice, at=now).context["stale"]) == 2
    held[0].deleted_at = timezone.now()  # soft-deleted after the scan was kept
    held[0].save()
    kept = home(client, alice, at=now).context
    assert [p.public_id for p, _c in kept["stale"]] == [held[1].public_id]
    assert kept["stale_count"] == 2  # the count is the kept one, until it expires
    settings.DASHBOARD_CACHE_SECONDS = 0
    cache.clear()
    fresh = home(client, alice, at=now).context
    assert fresh["stale_count"] == 1


def test_new_candidates_are_listed_without_names(client, alice, charlie):
    from reunite.tracing.models import MatchCandidate

    today = timezone.localdate()
    sought = person_create(
        actor=alice.memberships.get(),
        data=PersonInput(family_role=FamilyRole.CHILD, kind="described", given_names="Ana"),
        today=today,
    )
    found = person_create(
        actor=charlie.memberships.get(),
        data=PersonInput(family_role=FamilyRole.CHILD, given_names="Anabel"),
        today=today,
    )
    match = MatchCandidate.objects.filter(subject=sought, candidate=found).first() or (
        MatchCandidate.objects.create(
            subject=sought, candidate=found, subject_organization=sought.organization,
            candidate_organization=found.organization, match_probability=0.83,
            match_weight=5, model_version="test",
        )
    )  # fmt: skip
    body = home(client, alice, at=timezone.now()).content.decode()
    assert reverse("tracing:match", args=[match.public_id]) in body
    assert "Anabel" not in body  # the other side's client stays undisclosed


def test_an_auditor_sees_figures_but_no_client_work(client, history, dana):
    page = home(client, dana)
    assert page.context["waiting"] is None
    assert "my_tasks" not in page.context
    assert bars(page.content.decode(), "stages") == [1, 0, 0, 0, 0, 0, 0, 1, 2]
    assert 'id="chart-money"' in page.content.decode()  # auditors read the ledger
    assert not AuditEvent.objects.filter(event_type=EventType.DASHBOARD_VIEWED).exists()


def test_another_organisation_sees_nothing_of_org_a(client, history, charlie):
    page = home(client, charlie)
    body = page.content.decode()
    assert page.context["my_cases"] == []
    assert page.context["stale"] == []
    assert sum(bars(body, "stages")) == 0
    assert sum(bars(body, "reunifications")) == 0
    for case in history["cases"]:
        assert case.reference not in body
    assert "Prueba" not in body  # org A's people's surname


def test_the_dashboard_keeps_the_strict_content_security_policy(client, history, alice):
    page = home(client, alice)
    directives = csp_directives(page)
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert directives["default-src"] == "'none'"
    body = page.content.decode()
    assert "style=" not in body
    assert "<script>" not in body and "<script " not in body.replace('<script src="/static/', "")
    assert " on" + "click" not in body


def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, history, alice, django_assert_max_num_queries
):
    with time_machine.travel(MID_MAY, tick=False):
        signed_in(client, alice)
        client.get(reverse("dashboard:home"))  # warm up (session)
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("dashboard:home"))
        for i in range(6):
            case = _a_case(alice, name=f"Niña {i}", now=MID_MAY - timedelta(days=i))
            cases.task_create(
                actor=alice.memberships.get(), case=case, title=f"Tarea {i}", kind=TaskKind.CALL,
                due_on=MID_MAY.date() - timedelta(days=i), assignee=alice, now=MID_MAY,
            )  # fmt: skip
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("dashboard:home"))
    assert len(page.context["my_tasks"]) == 6
