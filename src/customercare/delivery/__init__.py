"""Delivery tooling: what the CI/CD pipeline runs to decide whether a change may ship."""

__all__: list[str] = []
