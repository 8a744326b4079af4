"""The HTTP edge, what every request passes through before any router: security headers and
CORS (``security_headers``), who is on the other end (``client_ip``), and request metrics
(``request_metrics``)."""

from customercare.http_edge.request_metrics import RequestMetricsMiddleware
from customercare.http_edge.security_headers import SecurityHeadersMiddleware

__all__ = ["RequestMetricsMiddleware", "SecurityHeadersMiddleware"]
