"""The OpenAPI schema's house additions: each operation names the token scope it needs
and documents the JSON errors it can answer with (the shape errors.py produces)."""

from __future__ import annotations

import json
from functools import cache

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from reunite.api.permissions import required_scope


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. not_found.")
    message = serializers.CharField(help_text="For people, in the requested language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages of each field.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        scope = required_scope(method, self.view)
        operation["x-scope"] = scope
        note = f"Token scope: `{scope}`."
        operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()
        error = {
            "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        }
        codes = {
            "401": "No token, or an invalid, expired or revoked one.",
            "403": "The token lacks the scope, or your role does not allow this.",
            "429": "Too many calls: wait for Retry-After seconds.",
        }
        if "{" in path:
            codes["404"] = "No such record, or not one your organisation may see."
        if method in _WRITES:
            codes["400"] = "Invalid input: `fields` says what is wrong with each field."
            codes["409"] = "The record is in a state that does not allow this."
            codes["415"] = "Send JSON (Content-Type: application/json)."
        elif any(p["in"] == "query" for p in operation.get("parameters", [])):
            codes["400"] = "An invalid query parameter: `fields` names it."
        codes["default"] = "Any other error, in the same JSON shape."
        responses = operation.setdefault("responses", {})
        for code, description in codes.items():
            responses.setdefault(code, {"description": description, "content": error})
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
        }
        responses["429"]["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
        return operation


@cache
def openapi_schema() -> dict:
    """The schema as plain JSON data (generated once per process)."""
    with translation.override("en"):  # one schema, whoever asks first
        generated = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))
