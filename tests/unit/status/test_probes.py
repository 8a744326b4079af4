"""Every probe condition against real servers on loopback: HTTP status, a JSON field, a body
substring, the latency limits (degraded, then down), a timeout, and the expiry of a TLS
certificate (self-signed, generated here, served over HTTPS)."""

from __future__ import annotations

import ipaddress
import json
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from customercare.status.service import Check, probe
from tests.support.loopback import http_server, serving, url_of

NOW = datetime.now(UTC)


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes: dict[str, tuple[int, Any, float]] = {
            "/ok": (200, {"status": "ok", "db": {"ready": True}}, 0),
            "/sick": (200, {"status": "degraded"}, 0),
            "/error": (503, {"status": "down"}, 0),
            "/html": (200, "<h1>Lumen help</h1>", 0),
            "/slow": (200, {"status": "ok"}, 0.3),
            "/hang": (200, {"status": "ok"}, 2.0),
        }
        status, body, delay = routes.get(self.path, (404, {"error": "not found"}, 0))
        time.sleep(delay)
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serving(http_server(Site), name="status-site") as server:
        yield url_of(server)


def check(url: str, **fields: Any) -> Check:
    return Check(name="probe", component="api", url=url, **fields)


def test_an_expected_status_and_json_field_is_up(site: str) -> None:
    seen = probe(check(f"{site}/ok", json_field="status", json_equals="ok"), now=NOW)
    assert (seen.state, seen.status_code, seen.reason) == ("up", 200, None)
    assert seen.latency_ms is not None
    assert seen.latency_ms >= 0
    nested = probe(check(f"{site}/ok", json_field="db.ready", json_equals=True), now=NOW)
    assert nested.state == "up"


def test_an_unexpected_status_is_down(site: str) -> None:
    seen = probe(check(f"{site}/error"), now=NOW)
    assert seen.state == "down"
    assert seen.reason == "HTTP 503, expected 200"
    assert probe(check(f"{site}/error", expect_status=(200, 503)), now=NOW).state == "up"


def test_a_json_field_with_another_value_is_down(site: str) -> None:
    seen = probe(check(f"{site}/sick", json_field="status", json_equals="ok"), now=NOW)
    assert seen.state == "down"
    assert seen.reason == 'JSON field \'status\' is "degraded", expected "ok"'
    missing = probe(check(f"{site}/ok", json_field="version"), now=NOW)
    assert missing.reason == "JSON field 'version' is missing"
    not_json = probe(check(f"{site}/html", json_field="status"), now=NOW)
    assert not_json.reason == "body is not JSON"


def test_a_body_substring(site: str) -> None:
    assert probe(check(f"{site}/html", body_contains="Lumen help"), now=NOW).state == "up"
    seen = probe(check(f"{site}/html", body_contains="Welcome"), now=NOW)
    assert (seen.state, seen.reason) == ("down", "body does not contain 'Welcome'")


def test_slow_but_working_is_degraded_and_too_slow_is_down(site: str) -> None:
    slow = probe(check(f"{site}/slow", degraded_after_ms=100), now=NOW)
    assert slow.state == "degraded"
    assert slow.reason is not None
    assert slow.reason.startswith("slow: ")
    assert probe(check(f"{site}/slow", degraded_after_ms=2000), now=NOW).state == "up"
    too_slow = probe(check(f"{site}/slow", degraded_after_ms=50, max_latency_ms=100), now=NOW)
    assert too_slow.state == "down"
    assert too_slow.reason is not None
    assert "limit 100" in too_slow.reason


def test_no_answer_within_the_timeout_is_down(site: str) -> None:
    seen = probe(check(f"{site}/hang", timeout_seconds=0.2), now=NOW)
    assert (seen.state, seen.reason) == ("down", "no answer within 0.2 s")


def test_a_refused_connection_is_down() -> None:
    with serving(http_server(Site), name="closed") as server:
        url = url_of(server)
    seen = probe(check(f"{url}/ok"), now=NOW)
    assert seen.state == "down"
    assert seen.reason is not None
    assert seen.reason.startswith("ConnectError")


def _certificate(directory: Path, *, days: int) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = NOW  # the probes' clock: a slow run must not shift the expiry the test expects
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"cert-{days}.pem", directory / f"key-{days}.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _https(cert: Path, key: Path) -> ThreadingHTTPServer:
    server = http_server(Site)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


@pytest.mark.parametrize(("days", "state"), [(90, "up"), (5, "down")])
def test_tls_certificate_expiry(tmp_path: Path, days: int, state: str) -> None:
    cert, key = _certificate(tmp_path, days=days)
    with serving(_https(cert, key), name="status-https") as server:
        port = server.server_address[1]
        seen = probe(check(f"https://127.0.0.1:{port}/ok", ca_file=cert, tls_min_days=14), now=NOW)
    assert seen.state == state, seen.reason
    assert seen.cert_expires_at is not None
    assert abs((seen.cert_expires_at - NOW) - timedelta(days=days)) < timedelta(minutes=5)
    if state == "down":
        assert seen.reason is not None
        assert seen.reason.startswith("TLS certificate expires in 5.0 days")


def test_an_untrusted_certificate_is_down(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, days=90)
    with serving(_https(cert, key), name="status-https") as server:
        port = server.server_address[1]
        seen = probe(check(f"https://127.0.0.1:{port}/ok"), now=NOW)  # system trust store
    assert seen.state == "down"
    assert seen.reason is not None
    assert "CERTIFICATE_VERIFY_FAILED" in seen.reason
