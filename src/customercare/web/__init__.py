"""What every HTTP response shares: security headers and CORS."""

from customercare.web.headers import SecurityHeadersMiddleware

__all__ = ["SecurityHeadersMiddleware"]
