"""One-host blue-green deployment: nginx in front of two slots (docs/deployment.md)."""
