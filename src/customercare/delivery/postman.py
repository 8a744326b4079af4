"""A Postman v2.1 collection made from the app's OpenAPI document (``ccgpt openapi postman``).

One request per operation, in one folder per tag (an operation's first tag), with:

- the variables ``baseUrl`` and ``apiKey`` (empty: a secret is never written into the file)
  and one variable per path parameter (``document_id`` ...), which a runner fills in;
- bearer auth ``{{apiKey}}`` on the collection; the public operations (sign-in, health ...)
  say ``noauth``;
- an example body made from the request schema (JSON, or the fields of a multipart form);
- a test script asserting the documented success status class (2xx) and, when the document
  says the success body is JSON, a JSON content type.

Pure: it reads a document (a dict) and returns a dict; nothing here imports the app."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["SCHEMA_URL", "collection_from_openapi", "example_for", "operations_of"]

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_MAX_DEPTH = 6
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
_STRING_FORMATS = {
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "password": "example-password",  # pragma: allowlist secret  # nosec B105: an example body
    "binary": "",
}
# Values for properties whose rules the schema cannot say (a password policy).
_NAMED_STRINGS = {
    "email": "user@example.com",
    "password": "Example-Passw0rd-2026",  # pragma: allowlist secret  # nosec B105: an example
}
# Tried in turn against a string ``pattern``: the first that matches is the example.
_PATTERN_CANDIDATES = ("example", "#000000", "example-1", "2026-01-01", "1", "a")


def operations_of(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``(method, path, operation)`` of the document, in the document's order."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                found.append((method, path, item[method]))
    return found


def collection_from_openapi(
    document: Mapping[str, Any],
    *,
    public: Iterable[tuple[str, str]] = (),
    base_url: str = "http://127.0.0.1:8000",
) -> dict[str, Any]:
    """The Postman v2.1 collection of ``document``; ``public`` operations carry no auth."""
    anonymous = set(public)
    folders: dict[str, list[dict[str, Any]]] = {}
    path_variables: list[str] = []
    for method, path, operation in operations_of(document):
        tag = (operation.get("tags") or ["other"])[0]
        for name in _PATH_PARAMETER.findall(path):
            if name not in path_variables:
                path_variables.append(name)
        item = _request_item(document, method, path, operation, (method, path) in anonymous)
        folders.setdefault(tag, []).append(item)
    info = document.get("info", {})
    variables = [
        {"key": "baseUrl", "value": base_url, "type": "string"},
        {"key": "apiKey", "value": "", "type": "string"},
        *({"key": name, "value": "", "type": "string"} for name in path_variables),
    ]
    return {
        "info": {
            "name": str(info.get("title", "API")),
            "description": f"Generated from the OpenAPI document (version {info.get('version')}).",
            "schema": SCHEMA_URL,
        },
        "auth": _bearer(),
        "variable": variables,
        "item": [{"name": tag, "item": items} for tag, items in folders.items()],
    }


def _bearer() -> dict[str, Any]:
    return {"type": "bearer", "bearer": [{"key": "token", "value": "{{apiKey}}", "type": "string"}]}


def _request_item(
    document: Mapping[str, Any],
    method: str,
    path: str,
    operation: Mapping[str, Any],
    anonymous: bool,
) -> dict[str, Any]:
    parameters = operation.get("parameters", [])
    segments = [
        f":{segment[1:-1]}" if segment.startswith("{") else segment
        for segment in path.strip("/").split("/")
    ]
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(segments),
        "host": ["{{baseUrl}}"],
        "path": segments,
    }
    query = [
        {
            "key": p["name"],
            "value": _as_text(example_for(document, p.get("schema", {}))),
            "disabled": not p.get("required", False),
        }
        for p in parameters
        if p.get("in") == "query"
    ]
    if query:
        url["query"] = query
    variables = [
        {"key": name, "value": "{{" + name + "}}"} for name in _PATH_PARAMETER.findall(path)
    ]
    if variables:
        url["variable"] = variables
    headers = [
        {"key": p["name"], "value": _as_text(example_for(document, p.get("schema", {})))}
        for p in parameters
        if p.get("in") == "header"
    ]
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": headers,
        "url": url,
        "description": operation.get("summary") or operation.get("description") or "",
    }
    body = _body(document, operation.get("requestBody"))
    if body is not None:
        request["body"], content_type = body
        if content_type:
            headers.append({"key": "Content-Type", "value": content_type})
    if anonymous:
        request["auth"] = {"type": "noauth"}
    return {
        "name": f"{method.upper()} {path}",
        "request": request,
        "event": [
            {"listen": "test", "script": {"type": "text/javascript", "exec": _tests(operation)}}
        ],
    }


def _body(
    document: Mapping[str, Any], request_body: Mapping[str, Any] | None
) -> tuple[dict[str, Any], str | None] | None:
    if not request_body:
        return None
    content = request_body.get("content", {})
    if "application/json" in content:
        example = example_for(document, content["application/json"].get("schema", {}))
        raw = json.dumps(example, indent=2)
        return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}, (
            "application/json"
        )
    if "multipart/form-data" in content:
        schema = _resolve(document, content["multipart/form-data"].get("schema", {}))
        fields = []
        for name, prop in _resolve_properties(document, schema).items():
            # OpenAPI 3.0 says format: binary; 3.1 (FastAPI) says contentMediaType.
            if prop.get("format") == "binary" or "contentMediaType" in prop:
                fields.append({"key": name, "type": "file", "src": []})
            else:
                fields.append(
                    {"key": name, "type": "text", "value": _as_text(example_for(document, prop))}
                )
        return {"mode": "formdata", "formdata": fields}, None
    return None


def _success(operation: Mapping[str, Any]) -> tuple[str, bool]:
    """The first documented 2xx status and whether its body is JSON."""
    for status, response in operation.get("responses", {}).items():
        if str(status).startswith("2"):
            return str(status), "application/json" in response.get("content", {})
    return "2XX", False


def _tests(operation: Mapping[str, Any]) -> list[str]:
    status, json_body = _success(operation)
    lines = [
        f'pm.test("status is 2xx (documented: {status})", function () {{',
        "    pm.expect(pm.response.code).to.be.within(200, 299);",
        "});",
    ]
    if json_body:
        lines += [
            'pm.test("JSON content type", function () {',
            '    var type = pm.response.headers.get("Content-Type");',
            '    pm.expect(type).to.include("application/json");',
            "});",
        ]
    return lines


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < _MAX_DEPTH:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return dict(schema)


def _resolve_properties(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        properties.update(_resolve_properties(document, _resolve(document, part)))
    for name, prop in schema.get("properties", {}).items():
        properties[name] = _resolve(document, prop)
    return properties


def example_for(document: Mapping[str, Any], schema: Mapping[str, Any], depth: int = 0) -> Any:
    """A value that satisfies ``schema`` in the common cases: its example, default or first
    enum value, else one made from its type (required properties of an object only)."""
    schema = _resolve(document, schema)
    if depth > _MAX_DEPTH:
        return None
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        examples = schema["examples"]
        return examples[0] if isinstance(examples, list) else next(iter(examples.values()))
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(document, o).get("type") != "null"]
            return example_for(document, (options or schema[key])[0], depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            required |= set(_resolve(document, part).get("required", []))
        return {
            name: _NAMED_STRINGS[name]
            if name in _NAMED_STRINGS and prop.get("type") == "string"
            else example_for(document, prop, depth + 1)
            for name, prop in _resolve_properties(document, schema).items()
            if name in required
        }
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        return [example_for(document, schema.get("items", {}), depth + 1)] * count
    if kind == "integer":
        if "minimum" in schema:
            return int(schema["minimum"])
        return int(schema.get("exclusiveMinimum", 0)) + 1
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return False
    if kind == "string":
        return _string_example(schema)
    return None


def _string_example(schema: Mapping[str, Any]) -> str:
    if schema.get("format") in _STRING_FORMATS:
        return _STRING_FORMATS[str(schema["format"])]
    text = "example"
    if "pattern" in schema:
        pattern = re.compile(str(schema["pattern"]))
        text = next((c for c in _PATTERN_CANDIDATES if pattern.search(c)), text)
    minimum = int(schema.get("minLength", 0))
    maximum = schema.get("maxLength")
    if len(text) < minimum:
        text = text + "x" * (minimum - len(text))
    if maximum is not None:
        text = text[: int(maximum)]
    return text


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
