"""The portal pages of the API: the user's tokens (list, create once-shown, revoke) and
the documentation, rendered on the server from the OpenAPI schema (no CDN, no script:
the portal's CSP allows neither)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reunite.accounts.decorators import member_view, require_step_up
from reunite.api import selectors, services
from reunite.api.access import access_token
from reunite.api.forms import RecordIdForm, TokenForm
from reunite.api.schema import openapi_schema
from reunite.core.errors import Invalid


@member_view()
def token_list(request):
    tokens = list(selectors.token_list(actor=request.membership))
    return render(request, "api/token_list.html", {"tokens": tokens, "now": timezone.now()})


@member_view()
def token_create(request):
    """The token is shown on the answer to the POST, once; it is stored only hashed."""
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_step_up(request)  # a token is a credential: ask for the password again
        if form.is_valid():
            try:
                new = services.token_create(
                    actor=request.membership,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    days=form.cleaned_data["days"],
                    now=timezone.now(),
                )
            except Invalid as exc:
                form.add_error(exc.code if exc.code in form.fields else None, exc.message)
            else:
                context = {
                    "token": new.token,
                    "plaintext": new.plaintext,
                    "header": f"Authorization: Bearer {new.token.prefix}_…",
                }
                return render(request, "api/token_created.html", context, status=201)
        status = 400
    return render(request, "api/token_create.html", {"form": form}, status=status)


@require_POST
@member_view()
def token_revoke(request):
    form = RecordIdForm(request.POST)
    if not form.is_valid():  # nothing named: nothing to do
        return redirect("api:tokens")
    token = access_token(actor=request.membership, public_id=form.cleaned_data["record"])
    services.token_revoke(actor=request.membership, token=token, now=timezone.now())
    messages.success(request, _("Token revoked. It no longer works."))
    return redirect("api:tokens")


def _resolve(schema: dict, node):
    """Follow one local $ref."""
    if isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return name, schema["components"]["schemas"].get(name, {})
    return None, node


def _type(schema: dict, node) -> str:
    name, node = _resolve(schema, node or {})
    if name:
        return name
    if "allOf" in node:
        return " & ".join(_type(schema, part) for part in node["allOf"])
    if node.get("type") == "array":
        return f"[{_type(schema, node.get('items'))}]"
    kind = node.get("type", "object")
    if node.get("format"):
        kind = f"{kind} ({node['format']})"
    if node.get("enum"):
        kind = f"{kind}: " + ", ".join(str(v) for v in node["enum"] if v not in ("", None))
    if node.get("nullable"):
        kind += " | null"
    return kind


def docs_context(schema: dict) -> dict:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            operations.append(
                {
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "scopes": ", ".join(
                        scope for entry in operation.get("security", []) for scope in entry
                    ),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": _type(schema, p.get("schema")),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _type(schema, body["schema"]) if body else "",
                    "responses": [
                        {
                            "status": code,
                            "type": _type(
                                schema,
                                response.get("content", {})
                                .get("application/json", {})
                                .get("schema"),
                            )
                            if response.get("content")
                            else "",
                            "description": response.get("description", ""),
                        }
                        for code, response in operation.get("responses", {}).items()
                    ],
                }
            )
    components = []
    for name, node in schema.get("components", {}).get("schemas", {}).items():
        required = set(node.get("required", []))
        components.append(
            {
                "name": name,
                "description": node.get("description", ""),
                "type": "" if node.get("properties") else _type(schema, node),
                "properties": [
                    {
                        "name": prop,
                        "type": _type(schema, value),
                        "required": prop in required,
                        "read_only": value.get("readOnly", False),
                        "description": value.get("description", ""),
                    }
                    for prop, value in node.get("properties", {}).items()
                ],
            }
        )
    return {"info": schema.get("info", {}), "operations": operations, "components": components}


def docs(request):
    """The API's documentation, from the same schema /api/v1/schema/ serves."""
    return render(request, "api/docs.html", docs_context(openapi_schema()))
