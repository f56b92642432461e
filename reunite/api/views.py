"""The REST API's endpoints. Like the pages, each one parses, passes the entity's gate
(`access_person`, `access_match`), calls a service or selector, and responds; and like
the pages it records who read or changed what. Every call is audited once more as an
API call (method, route template, status, token prefix)."""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reunite.accounts.access import require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.api import serializers as s
from reunite.api.errors import error_body, logger, outage_response
from reunite.api.models import ApiToken, Scope
from reunite.api.pagination import PAGE_PARAMETERS, CountFreePagination
from reunite.api.schema import openapi_schema
from reunite.api.throttling import AnonymousThrottle
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Invalid
from reunite.core.views import OUTAGES
from reunite.people import selectors as people
from reunite.people import services as registry
from reunite.people.access import access_person, is_owner
from reunite.people.identifiers import display_identifier
from reunite.people.models import Person
from reunite.people.services import CustodyInput, PersonInput
from reunite.tracing import selectors as tracing
from reunite.tracing import services as matching
from reunite.tracing.access import access_match
from reunite.tracing.explain import describe
from reunite.tracing.models import CandidateStatus, MatchCandidate

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
# The fields a match card shows (the match page records the same names).
CARD_FIELDS = [
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "sex",
    "birth_date",
    "approximate_age",
    "country_of_birth",
]


def paginated(serializer, name: str):
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


class ApiView(APIView):
    """The actor is the token's membership; each call leaves one API_CALL event.

    A call and its event are one transaction: the event cannot fail after the change has
    committed, which would answer 503 for a change that was made (and a client retrying
    would make it twice). An answer of 500 or more rolls the whole call back; its event is
    then written on its own, if the database still can."""

    error_fields: tuple[str, ...] = ()  # fields a service's Invalid may name

    @property
    def actor(self) -> Membership:
        return self.request.auth.membership

    def dispatch(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                else:
                    self._record_call(response)
        except OUTAGES as exc:  # the event itself could not be written: nothing was kept
            return outage_response(exc)
        if response.status_code >= 500:
            try:
                self._record_call(response)
            except OUTAGES:
                logger.warning("API call not recorded: the database is unavailable")
        return response

    def _record_call(self, response) -> None:
        token = getattr(self.request, "_auth", None)
        # A throttled call is not recorded: the limit exists to keep floods out of the log.
        if not isinstance(token, ApiToken) or response.status_code == 429:
            return
        match = self.request.resolver_match
        record(
            event_type=EventType.API_CALL,
            actor=token.user,
            organization=token.membership.organization,
            data={
                "method": self.request.method,
                "path": "/" + (match.route if match else ""),
                "status": response.status_code,
                "token": token.prefix,
            },
            source_ip=self.request.META.get("REMOTE_ADDR"),
        )


# --- People ----------------------------------------------------------------------------


def _shared_by(actor: Membership, person: Person) -> dict | None:
    if person.organization_id == actor.organization_id:
        return None
    return {"name": person.organization.name}


def _person(actor: Membership, person: Person) -> dict:
    data = {name: getattr(person, name) for name in PERSON_FIELDS}
    data["languages"] = [code for code in person.languages.split(",") if code]
    data.update(
        id=person.public_id,
        kind=person.kind,
        family_role=person.family_role,
        owned=is_owner(actor=actor, person=person),
        shared_by=_shared_by(actor, person),
        deleted=person.deleted_at is not None,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )
    return data


def _row(actor: Membership, person: Person, *, today) -> dict:
    custody = people.current_custody(person)
    return {
        "id": person.public_id,
        "kind": person.kind,
        "family_role": person.family_role,
        "given_names": person.given_names,
        "paternal_surname": person.paternal_surname,
        "maternal_surname": person.maternal_surname,
        "birth_date": person.birth_date,
        "approximate_age": person.approximate_age,
        "custody": None
        if custody is None
        else {
            "kind": custody.kind,
            "facility": custody.facility,
            "city": custody.city,
            "state": custody.state,
            "country": custody.country,
            "last_verified_on": custody.last_verified_on,
            "stale": people.is_stale(custody, today=today),
        },
        "shared_by": _shared_by(actor, person),
    }


def _person_input(person: Person, changes: dict) -> PersonInput:
    current = {name: getattr(person, name) for name in PERSON_FIELDS}
    current["languages"] = [code for code in person.languages.split(",") if code]
    return PersonInput(family_role=person.family_role, kind=person.kind, **(current | changes))


# One component for the list and the search (two would clash by name in the schema).
PERSON_ROWS = paginated(s.PersonRowSerializer, "PaginatedPersonRows")


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _people_page(view: ApiView, request, query: str) -> Response:
    actor = view.actor
    require(actor, Capability.VIEW_CLIENTS)
    pager = CountFreePagination()
    page = pager.paginate_queryset(people.person_list(actor=actor, query=query), request, view)
    today = timezone.localdate()
    rows = [_row(actor, person, today=today) for person in page]
    record(
        event_type=EventType.PEOPLE_LISTED,
        actor=actor.user,
        organization=actor.organization,
        data={"count": len(rows), "searched": bool(query), "api": True},
    )
    return pager.get_paginated_response(s.PersonRowSerializer(rows, many=True).data)


class PeopleView(ApiView):
    """People: the list and search, and registering a client."""

    error_fields = tuple(PERSON_FIELDS)

    @extend_schema(
        operation_id="people_list",
        summary="People your organisation holds or was shared, newest first",
        description=(
            "To search, `POST /api/v1/people/search/` with the terms in the JSON body: a "
            "name or an A-number in a URL would stay in proxy and server logs (ASVS 14.2.1). "
            "A `q` in the address is refused with 400, never ignored."
        ),
        parameters=PAGE_PARAMETERS,
        responses=PERSON_ROWS,
    )
    def get(self, request):
        if "q" in request.query_params:
            raise serializers.ValidationError(
                {
                    "q": _(
                        "Search terms are not read from the address. "
                        "Send them in the body of POST /api/v1/people/search/."
                    )
                }
            )
        return _people_page(self, request, "")

    @extend_schema(
        operation_id="people_create",
        summary="Register a client",
        request=s.PersonWriteSerializer,
        responses={201: s.PersonSerializer},
    )
    def post(self, request):
        actor = self.actor
        require(actor, Capability.EDIT_CLIENTS)
        body = s.PersonWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = registry.person_create(
            actor=actor, data=PersonInput(**body.validated_data), today=timezone.localdate()
        )
        return Response(s.PersonSerializer(_person(actor, person)).data, status=201)


class PeopleSearchView(ApiView):
    """The people search with its terms in the body, never in the URL (ASVS 14.2.1)."""

    scope = Scope.READ  # a search changes nothing, though it is a POST

    @extend_schema(
        operation_id="people_search",
        summary="Search people by name or number, the terms in the body",
        description=(
            "The same search as `GET /api/v1/people/?q=`, with `q` in the JSON body so that "
            "no name or A-number appears in a URL. Every word is matched against any "
            "recorded name (exactly or by sound, any order, accents ignored) or any "
            "identifier; exact spellings first. `limit` and `offset` stay in the query "
            "string; `next` and `previous` are URLs to POST the same body to."
        ),
        parameters=PAGE_PARAMETERS,
        request=SearchQuery,
        responses=PERSON_ROWS,
    )
    def post(self, request):
        params = SearchQuery(data=request.data)
        params.is_valid(raise_exception=True)
        return _people_page(self, request, params.validated_data["q"].strip())


class PersonView(ApiView):
    """One person's own fields."""

    error_fields = tuple(PERSON_FIELDS)

    def _viewed(self, person: Person) -> Response:
        actor = self.actor
        registry.person_viewed(actor=actor, person=person, shown=PERSON_FIELDS)
        return Response(s.PersonSerializer(_person(actor, person)).data)

    @extend_schema(operation_id="people_retrieve", responses=s.PersonSerializer)
    def get(self, request, public_id):
        return self._viewed(access_person(actor=self.actor, public_id=public_id))

    @extend_schema(
        operation_id="people_partial_update",
        summary="Change some of a person's own fields",
        request=s.PersonUpdateSerializer,
        responses=s.PersonSerializer,
    )
    def patch(self, request, public_id):
        actor = self.actor
        person = access_person(actor=actor, public_id=public_id, write=True)
        body = s.PersonUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        registry.person_update(
            actor=actor,
            person=person,
            data=_person_input(person, body.validated_data),
            only=set(body.validated_data),  # a PATCH: leave the other fields as they are now
        )
        return self._viewed(access_person(actor=actor, public_id=public_id))


class IdentifiersView(ApiView):
    """The numbers agencies gave a person (A-number, ORR, ...)."""

    error_fields = ("kind", "value", "issuing_country", "source")

    @extend_schema(operation_id="identifiers_list", responses=s.IdentifierSerializer(many=True))
    def get(self, request, public_id):
        actor = self.actor
        person = access_person(actor=actor, public_id=public_id)
        rows = [
            {
                "id": i.public_id,
                "kind": i.kind,
                "value": display_identifier(i.kind, i.value),
                "issuing_country": i.issuing_country,
                "source": i.source,
            }
            for i in person.identifiers.order_by("created_at")
        ]
        registry.person_viewed(actor=actor, person=person, shown=["identifiers"])
        return Response(s.IdentifierSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="identifiers_create",
        request=s.IdentifierSerializer,
        responses={201: s.IdentifierSerializer},
    )
    def post(self, request, public_id):
        actor = self.actor
        person = access_person(actor=actor, public_id=public_id, write=True)
        body = s.IdentifierSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            identifier = registry.identifier_add(actor=actor, person=person, **body.validated_data)
        except Invalid as exc:  # a malformed number: about the value
            raise Invalid(exc.message, code="value") from exc
        data = {
            "id": identifier.public_id,
            "kind": identifier.kind,
            "value": display_identifier(identifier.kind, identifier.value),
            "issuing_country": identifier.issuing_country,
            "source": identifier.source,
        }
        return Response(s.IdentifierSerializer(data).data, status=201)


def _custody(event, current) -> dict:
    data = {name: getattr(event, name) for name in CustodyInput.__dataclass_fields__}
    return data | {"id": event.public_id, "current": event == current}


class CustodyView(ApiView):
    """Where a person was or is held."""

    error_fields = tuple(CustodyInput.__dataclass_fields__)

    @extend_schema(operation_id="custody_list", responses=s.CustodySerializer(many=True))
    def get(self, request, public_id):
        actor = self.actor
        person = access_person(actor=actor, public_id=public_id)
        events = list(person.custody_events.all())
        current = people.current_custody(person)
        registry.person_viewed(actor=actor, person=person, shown=["custody"])
        return Response(s.CustodySerializer([_custody(e, current) for e in events], many=True).data)

    @extend_schema(
        operation_id="custody_create",
        request=s.CustodySerializer,
        responses={201: s.CustodySerializer},
    )
    def post(self, request, public_id):
        actor = self.actor
        person = access_person(actor=actor, public_id=public_id, write=True)
        body = s.CustodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = registry.custody_record(
            actor=actor, person=person, data=CustodyInput(**body.validated_data)
        )
        current = people.current_custody(person)
        return Response(s.CustodySerializer(_custody(event, current)).data, status=201)


# --- Match candidates ------------------------------------------------------------------


def _name(person: Person) -> dict:
    return {
        "id": person.public_id,
        "kind": person.kind,
        "family_role": person.family_role,
        "given_names": person.given_names,
        "paternal_surname": person.paternal_surname,
        "maternal_surname": person.maternal_surname,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "approximate_age": person.approximate_age,
        "country_of_birth": person.country_of_birth,
    }


def _card(person: Person) -> dict:
    custody = people.current_custody(person)
    glance = None if custody is None else {"kind": custody.kind, "facility": custody.facility}
    return _name(person) | {"custody": glance}


def _sides(actor: Membership, match: MatchCandidate):
    """(ours, theirs, their organisation), from the actor's point of view."""
    if matching.side_of(actor=actor, match=match) == "candidate":
        return match.candidate, match.subject, match.subject_organization
    return match.subject, match.candidate, match.candidate_organization


def _match_row(actor: Membership, match: MatchCandidate, *, card) -> dict:
    ours, theirs, their_organization = _sides(actor, match)
    disclosed = matching.is_disclosed(actor=actor, match=match)
    return {
        "id": match.public_id,
        "status": match.status,
        "probability": match.match_probability,
        "cross_organization": match.is_cross_organization,
        "disclosed": disclosed,
        "ours": card(ours),
        "theirs": card(theirs) if disclosed else None,
        "theirs_organization": {"name": their_organization.name},
        "created_at": match.created_at,
    }


def _match(actor: Membership, match: MatchCandidate) -> dict:
    """The match page's content: the other client only once disclosed, else the summary."""
    data = _match_row(actor, match, card=_card)
    disclosed = data["disclosed"]
    _ours, theirs, _their_organization = _sides(actor, match)
    summary = None
    if not disclosed:
        summary = matching.summary(theirs, today=timezone.localdate())
        summary["attorneys"] = [
            {"name": user.full_name, "email": user.email} for user in summary["attorneys"]
        ]
    reviews = []
    for review in match.reviews.select_related("reviewer"):
        ours = review.organization_id == actor.organization_id
        reviews.append(
            {
                "created_at": review.created_at,
                "decision": review.decision,
                "ours": ours,
                "reviewer": review.reviewer.full_name if ours else None,
                "reason": review.reason if ours else None,
            }
        )
    return data | {
        "summary": summary,
        "seekers": [
            _card(p)
            for p in matching.clients_of(match.subject)
            if disclosed or p.organization_id == actor.organization_id
        ],
        "evidence": [
            {
                "field": c["field"],
                "level": c["level"],
                "weight": c["weight"],
                "text": describe(c),
            }
            for c in match.contributions
        ],
        "subject_confirmed_at": match.subject_confirmed_at,
        "candidate_confirmed_at": match.candidate_confirmed_at,
        "reviews": reviews,
        "reviewable": matching.is_reviewable(match),
        "can_confirm": actor.is_verified_attorney,
    }


class MatchFilter(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=CandidateStatus.choices, required=False, allow_blank=True, default=""
    )
    person = serializers.UUIDField(required=False, allow_null=True, default=None)


class MatchesView(ApiView):
    """Match candidates."""

    @extend_schema(
        operation_id="matches_list",
        summary="Match candidates involving your organisation, most likely first",
        parameters=[
            OpenApiParameter("status", str, enum=CandidateStatus.values),
            OpenApiParameter("person", str, description="Only those of this person (UUID)."),
            *PAGE_PARAMETERS,
        ],
        responses=paginated(s.MatchRowSerializer, "PaginatedMatchRows"),
    )
    def get(self, request):
        actor = self.actor
        require(actor, Capability.VIEW_CLIENTS)
        params = MatchFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data["person"]:
            # Through the person's gate: another organisation's id gives a 404 here too.
            person = access_person(actor=actor, public_id=params.validated_data["person"])
            matches = tracing.matches_for_person(actor=actor, person=person)
        else:
            matches = tracing.match_list(actor=actor, status=params.validated_data["status"])
        pager = CountFreePagination()
        page = pager.paginate_queryset(matches, request, self)
        # As on the list page: names only (the serializer reads no more).
        rows = [_match_row(actor, match, card=_name) for match in page]
        record(
            event_type=EventType.MATCH_VIEWED,
            actor=actor.user,
            organization=actor.organization,
            data={"list": True, "count": len(rows), "api": True},
        )
        return pager.get_paginated_response(s.MatchRowSerializer(rows, many=True).data)


def _match_response(actor: Membership, match: MatchCandidate) -> Response:
    """The candidate as the match page shows it, recorded as the page records it."""
    data = _match(actor, match)
    shown = CARD_FIELDS + ([f"other.{f}" for f in CARD_FIELDS] if data["disclosed"] else [])
    record(
        event_type=EventType.MATCH_VIEWED,
        actor=actor.user,
        organization=actor.organization,
        target=match,
        fields=shown,
    )
    return Response(s.MatchSerializer(data).data)


class MatchView(ApiView):
    """One match candidate, as its page shows it: the other side's client only once both counsel confirmed, a non-identifying summary until then."""

    @extend_schema(operation_id="matches_retrieve", responses=s.MatchSerializer)
    def get(self, request, public_id):
        return _match_response(self.actor, access_match(actor=self.actor, public_id=public_id))


class MatchReviewView(ApiView):
    """Your side's decision on a match candidate."""

    scope = Scope.MATCH
    error_fields = ("decision", "reason")

    @extend_schema(
        operation_id="matches_review",
        summary="Record your side's decision on a candidate",
        description=(
            "Confirming needs a verified attorney; rejecting or asking for more information "
            "needs a reason. Across organisations, the other client is disclosed only once a "
            "verified attorney on each side has confirmed."
        ),
        request=s.ReviewInputSerializer,
        responses=s.MatchSerializer,
    )
    def post(self, request, public_id):
        actor = self.actor
        match = access_match(actor=actor, public_id=public_id)
        body = s.ReviewInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matching.candidate_review(
            actor=actor, match=match, now=timezone.now(), **body.validated_data
        )
        return _match_response(actor, access_match(actor=actor, public_id=public_id))


class SchemaView(APIView):
    """The OpenAPI 3 schema. Public: it describes the open-source code, holds no data."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [AnonymousThrottle]
    schema = None  # not part of itself

    def get(self, request):
        return Response(openapi_schema())


def not_found(request, rest=""):
    """Any other path under /api/v1/: a JSON 404, not the portal's HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
