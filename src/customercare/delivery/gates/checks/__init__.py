"""One check per gate: read the reports it needs, compare with the threshold, decide."""

from customercare.delivery.gates.checks.availability import availability_gate
from customercare.delivery.gates.checks.coverage import coverage_gate
from customercare.delivery.gates.checks.performance import performance_gates
from customercare.delivery.gates.checks.security import security_gate

__all__ = ["availability_gate", "coverage_gate", "performance_gates", "security_gate"]
