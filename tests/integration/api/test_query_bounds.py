"""Out-of-range integer query parameters are a 422 JSON error, never a 500: an offset past
what a 64-bit database integer holds used to reach SQLite/PostgreSQL and fail there."""

from __future__ import annotations

from typing import Any

import pytest

ROUTES = ["/api/v1/documents", "/api/v1/conversations"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "params",
    [
        {"offset": "9223372036854775808"},
        {"offset": "9223372036854775807"},
        {"offset": "1000001"},
        {"offset": "-1"},
        {"limit": "9223372036854775808"},
        {"limit": "0"},
    ],
)
def test_out_of_range_is_a_422_json_error(tenant: Any, route: str, params: dict[str, str]) -> None:
    response = tenant.client.get(route, headers=tenant.headers, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]["errors"][0]["loc"] == ["query", next(iter(params))]


@pytest.mark.parametrize("route", ROUTES)
def test_the_largest_offset_allowed_is_an_empty_page(tenant: Any, route: str) -> None:
    response = tenant.client.get(route, headers=tenant.headers, params={"offset": 1_000_000})
    assert response.status_code == 200, response.text
