"""``ccgpt openapi postman``: the collection made from the app's own OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from customercare.app import create_app
from customercare.cli.main import app
from customercare.delivery.postman import (
    SCHEMA_URL,
    collection_from_openapi,
    example_for,
    operations_of,
)
from customercare.openapi import PUBLIC

SECRET_LIKE = re.compile(r"(ccgpt_|sk-|Bearer [A-Za-z0-9])")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


@pytest.fixture(scope="module")
def collection(document: dict[str, Any]) -> dict[str, Any]:
    return collection_from_openapi(document, public=PUBLIC)


def requests_of(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for folder in collection["item"] for item in folder["item"]]


def test_every_operation_appears_exactly_once(
    document: dict[str, Any], collection: dict[str, Any]
) -> None:
    names = [item["name"] for item in requests_of(collection)]
    expected = [f"{method.upper()} {path}" for method, path, _ in operations_of(document)]
    assert len(expected) >= 30
    assert sorted(names) == sorted(expected)
    assert len(set(names)) == len(names)


def test_one_folder_per_tag_holding_that_tags_operations(
    document: dict[str, Any], collection: dict[str, Any]
) -> None:
    tags = {(op.get("tags") or ["other"])[0] for _, _, op in operations_of(document)}
    assert {folder["name"] for folder in collection["item"]} == tags
    for folder in collection["item"]:
        for item in folder["item"]:
            method, path = item["name"].split(" ", 1)
            operation = document["paths"][path][method.lower()]
            assert operation["tags"][0] == folder["name"]


def test_v2_1_schema_variables_and_bearer_auth(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == SCHEMA_URL
    variables = {v["key"]: v["value"] for v in collection["variable"]}
    assert variables["baseUrl"] == "http://127.0.0.1:8000"
    assert variables["apiKey"] == ""  # set when running, never written
    assert collection["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{apiKey}}", "type": "string"}],
    }


def test_public_operations_say_noauth_and_the_others_inherit_bearer(
    collection: dict[str, Any],
) -> None:
    for item in requests_of(collection):
        method, path = item["name"].split(" ", 1)
        if (method.lower(), path) in PUBLIC:
            assert item["request"]["auth"] == {"type": "noauth"}, item["name"]
        else:
            assert "auth" not in item["request"], item["name"]


def test_urls_use_base_url_and_declared_path_variables(collection: dict[str, Any]) -> None:
    declared = {v["key"] for v in collection["variable"]}
    for item in requests_of(collection):
        url = item["request"]["url"]
        assert url["raw"].startswith("{{baseUrl}}/")
        assert url["host"] == ["{{baseUrl}}"]
        for variable in url.get("variable", []):
            assert f":{variable['key']}" in url["raw"]
            assert variable["value"] == "{{" + variable["key"] + "}}"
            assert variable["key"] in declared
        assert "{" not in url["raw"].replace("{{baseUrl}}", "")


def test_json_bodies_are_examples_of_their_schema(
    document: dict[str, Any], collection: dict[str, Any]
) -> None:
    by_name = {item["name"]: item for item in requests_of(collection)}
    chat = by_name["POST /api/v1/chat"]["request"]
    assert chat["body"]["mode"] == "raw"
    assert isinstance(json.loads(chat["body"]["raw"])["message"], str)
    assert {"key": "Content-Type", "value": "application/json"} in chat["header"]
    sign_up = json.loads(by_name["POST /api/v1/auth/sign-up"]["request"]["body"]["raw"])
    assert "@" in sign_up["email"]
    upload = by_name["POST /api/v1/documents"]["request"]["body"]
    assert upload["mode"] == "formdata"
    assert any(field["type"] == "file" for field in upload["formdata"])


def test_each_request_tests_the_status_class_and_json_content_type(
    collection: dict[str, Any],
) -> None:
    for item in requests_of(collection):
        (event,) = item["event"]
        assert event["listen"] == "test"
        script = "\n".join(event["script"]["exec"])
        assert "pm.expect(pm.response.code).to.be.within(200, 299)" in script
    health = next(i for i in requests_of(collection) if i["name"] == "GET /healthz")
    assert "application/json" in "\n".join(health["event"][0]["script"]["exec"])


def test_no_secret_is_embedded(collection: dict[str, Any]) -> None:
    text = json.dumps(collection)
    assert not SECRET_LIKE.search(text)
    assert "{{apiKey}}" in text


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}, "#000000"),
        ({"type": "string", "minLength": 10}, "examplexxx"),
        ({"type": "integer", "minimum": 3}, 3),
        ({"type": "integer", "exclusiveMinimum": 3}, 4),
        ({"anyOf": [{"type": "null"}, {"type": "boolean"}]}, False),
        ({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}, ["a"]),
        ({"type": "string", "default": "x"}, "x"),
        (
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "number"}, "b": {}}},
            {"a": 1.0},
        ),
    ],
)
def test_examples_from_schemas(schema: dict[str, Any], expected: Any) -> None:
    assert example_for({}, schema) == expected


def test_examples_follow_references() -> None:
    document = {"components": {"schemas": {"A": {"type": "string", "format": "email"}}}}
    assert example_for(document, {"$ref": "#/components/schemas/A"}) == "user@example.com"


def test_the_command_writes_the_collection(tmp_path: Path) -> None:
    out = tmp_path / "c" / "collection.json"
    result = CliRunner().invoke(
        app, ["openapi", "postman", "--out", str(out), "--base-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["variable"][0] == {
        "key": "baseUrl",
        "value": "http://127.0.0.1:9",
        "type": "string",
    }


def test_the_json_command_prints_the_document() -> None:
    result = CliRunner().invoke(app, ["openapi", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["paths"]["/healthz"]
