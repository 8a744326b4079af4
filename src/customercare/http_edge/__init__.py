"""The HTTP edge, what every request passes through before any router: security headers and
CORS (``security_headers``), and who is on the other end (``client_ip``)."""

from customercare.http_edge.security_headers import SecurityHeadersMiddleware

__all__ = ["SecurityHeadersMiddleware"]
