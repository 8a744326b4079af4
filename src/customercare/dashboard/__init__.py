"""The dashboard: a server-rendered admin UI under ``/app`` (Jinja2 + htmx), docs/dashboard.md.

An entry point like the API's routers: it reaches each domain through its face only."""
