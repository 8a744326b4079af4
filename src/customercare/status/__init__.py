"""The status monitor and the public status page (docs/status-page.md).

Other code uses :mod:`customercare.status.service`, the face of this package."""
