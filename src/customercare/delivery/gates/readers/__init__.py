"""One reader per report kind, each reading a tool's own output format."""

from customercare.delivery.gates.readers.artillery import read_artillery
from customercare.delivery.gates.readers.audit import AuditReport, read_audit
from customercare.delivery.gates.readers.bandit import read_bandit
from customercare.delivery.gates.readers.common import ReportError
from customercare.delivery.gates.readers.coverage import CoverageReport, read_coverage
from customercare.delivery.gates.readers.k6 import read_k6
from customercare.delivery.gates.readers.licenses import read_licenses
from customercare.delivery.gates.readers.locust import read_locust
from customercare.delivery.gates.readers.secrets import read_secrets
from customercare.delivery.gates.readers.semgrep import read_semgrep
from customercare.delivery.gates.readers.status import read_status

__all__ = [
    "AuditReport",
    "CoverageReport",
    "ReportError",
    "read_artillery",
    "read_audit",
    "read_bandit",
    "read_coverage",
    "read_k6",
    "read_licenses",
    "read_locust",
    "read_secrets",
    "read_semgrep",
    "read_status",
]
