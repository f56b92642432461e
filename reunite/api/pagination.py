"""Limit/offset paging without a count: one row more than the page tells whether there
is a next one, so a page costs the same at 100 people or 100,000 (as on the pages)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_OFFSET = 10_000


def _number(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(
            {name: [_("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]}
        )
    return value


class CountFreePagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = _number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        self.offset = _number(request, "offset", 0, 0, MAX_OFFSET)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        return rows[: self.limit]

    def _url(self, offset: int) -> str:
        url = replace_query_param(self.request.build_absolute_uri(), "limit", self.limit)
        if offset <= 0:
            return remove_query_param(url, "offset")
        return replace_query_param(url, "offset", offset)

    def get_paginated_response(self, data):
        following = self.offset + self.limit
        return Response(
            {
                "next": self._url(following) if self.has_next and following <= MAX_OFFSET else None,
                "previous": self._url(self.offset - self.limit) if self.offset > 0 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }


PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        description="Rows per page.",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        description="Rows to skip.",
    ),
]
