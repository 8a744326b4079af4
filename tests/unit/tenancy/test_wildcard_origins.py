"""Allowed domains with wildcard subdomains: what they accept and what they match."""

from __future__ import annotations

import pytest

from customercare.tenancy.schemas import normalise_origin, origin_matches, wildcards_covering

PATTERN = "https://*.shop.example"


@pytest.mark.parametrize("origin", ["https://a.shop.example", "https://x.y.shop.example"])
def test_a_wildcard_matches_subdomains_at_any_depth(origin: str) -> None:
    assert origin_matches(PATTERN, origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://shop.example",
        "https://evilshop.example",
        "http://a.shop.example",
        "https://a.shop.example:8443",
        "https://a.shop.example.evil.example",
        "https://*.shop.example",
        "https://x; script-src *.shop.example",
    ],
)
def test_a_wildcard_matches_nothing_else(origin: str) -> None:
    assert not origin_matches(PATTERN, origin)


def test_ports_must_match() -> None:
    assert origin_matches("https://*.shop.example:8443", "https://a.shop.example:8443")
    assert not origin_matches("https://*.shop.example:8443", "https://a.shop.example")


@pytest.mark.parametrize(
    "value",
    ["https://*.com", "https://*", "https://a.*.example", "*.shop.example", "https://**.a.b"],
)
def test_bad_wildcards_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"origin|wildcard"):
        normalise_origin(value)


def test_wildcards_covering_lists_the_patterns_a_preflight_looks_up() -> None:
    assert wildcards_covering("https://a.b.shop.example:444") == [
        "https://*.b.shop.example:444",
        "https://*.shop.example:444",
    ]
    assert normalise_origin("HTTPS://*.Shop.Example/") == PATTERN


@pytest.mark.parametrize(
    "value", ["http://localhost:5173", "http://127.0.0.2:8080", "HTTP://127.0.0.1/"]
)
def test_plain_http_is_allowed_for_this_machine_only(value: str) -> None:
    origin = normalise_origin(value)
    assert origin == value.lower().rstrip("/")
    assert origin_matches(origin, origin)


@pytest.mark.parametrize(
    "value",
    ["http://shop.example", "http://localhost.evil.example", "http://127.0.0.1.evil.example"],
)
def test_plain_http_is_refused_for_any_other_host(value: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        normalise_origin(value)
