"""Run the security scanners and write each tool's own JSON report into a reports directory.

    uv run python scripts/ci/security.py [--reports reports] [--only bandit,semgrep,...]

Reports (read by the quality gates, ``ccgpt gates check``):

- ``bandit.json``          bandit -r src -c security/bandit.yaml -f json
- ``semgrep.json``         semgrep scan --config security/semgrep/rules.yml --json (local rules)
- ``detect-secrets.json``  {"results": {file: [secret, ...]}}: only the secrets that the
                           audited ``.secrets.baseline`` does not accept (see below)
- ``licenses.json``        pip-licenses entries with ``allowed`` from security/license-*.txt
- ``pip-audit.json``       pip-audit -f json, or {"status": "not_evaluated", "reason": ...}
                           when no vulnerability service could be asked (offline)

The script decides nothing: it prints a summary and exits 0, so that the gates evaluator
judges every report. It exits 2 when a scanner crashed without leaving a report (the stale
report of an earlier run is deleted first, so a crash is never read as a pass), and 64 on a
usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROJECT_NAME = "customercare"
SECURITY_DIR = ROOT / "security"
BANDIT_CONFIG = SECURITY_DIR / "bandit.yaml"
SEMGREP_RULES = SECURITY_DIR / "semgrep" / "rules.yml"
SECRETS_BASELINE = ROOT / ".secrets.baseline"
LICENSE_ALLOWLIST = SECURITY_DIR / "license-allowlist.txt"
LICENSE_EXCEPTIONS = SECURITY_DIR / "license-exceptions.txt"
# Long enough for a cold semgrep or a slow pip-audit; a hung tool still ends the run.
TIMEOUT_SECONDS = 900
EXIT_CRASHED = 2
EXIT_USAGE = 64

# Signs that pip-audit could not reach its vulnerability service.
_NETWORK_ERROR = re.compile(
    r"ConnectionError|NameResolutionError|Max retries exceeded|Failed to establish a new "
    r"connection|Temporary failure in name resolution|Name or service not known|Network is "
    r"unreachable|Connection refused|Read timed out|ConnectTimeout|SSLError|ProxyError",
)
# Never scanned for secrets: the baseline itself (its hashes look like secrets) and, when the
# tree is not a git work tree, tool directories.
_BASELINE_EXCLUDE = r"^\.secrets\.baseline$"
_TOOL_DIRS_EXCLUDE = (
    r"(^|/)(\.git|\.venv|\.nox|\.tools|\.mypy_cache|\.ruff_cache|node_modules|reports)/"
)


class ScannerCrashed(Exception):
    """The scanner produced no usable report."""


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


# ----------------------------------------------------------------------------- plumbing


def find_tool(name: str) -> str | None:
    """The tool beside the running interpreter (the project's venv) first, then PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def require_tool(name: str) -> str:
    path = find_tool(name)
    if path is None:
        raise ScannerCrashed(f"{name} is not installed (run `uv sync --frozen`)")
    return path


def run(
    command: Sequence[str], *, timeout: float = TIMEOUT_SECONDS, echo: bool = True
) -> Completed:
    """Run a tool from the repository root and capture its output; never raises on exit code."""
    if echo:
        print("  $ " + " ".join(_shorten(part) for part in command), flush=True)
    env = os.environ | {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    try:
        # The commands are fixed lists built by this script: no shell, no user input.
        result = subprocess.run(  # noqa: S603  # nosec B603
            list(command),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as error:
        raise ScannerCrashed(f"cannot run {command[0]}: {error.strerror}") from error
    except subprocess.TimeoutExpired as error:
        raise ScannerCrashed(f"{Path(command[0]).name} ran longer than {timeout:.0f} s") from error
    return Completed(result.returncode, result.stdout, result.stderr)


def _shorten(part: str) -> str:
    """Paths under the repository are printed relative to it, for readable logs."""
    try:
        return str(Path(part).relative_to(ROOT)) if part.startswith(str(ROOT)) else part
    except ValueError:
        return part


def write_json(path: Path, data: object) -> None:
    """Write atomically: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def load_json_text(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ScannerCrashed(f"{what} is not valid JSON: {error}") from error


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def count_by(values: Iterable[str]) -> str:
    """'2 ERROR, 1 WARNING' -- most frequent first; '' for nothing."""
    counts = Counter(values)
    return ", ".join(f"{number} {value}" for value, number in counts.most_common())


def findings_line(total: int, by_severity: str, noun: str = "finding") -> str:
    plural = noun if total == 1 else noun + "s"
    return f"{total} {plural}" + (f" ({by_severity})" if by_severity else "")


# ------------------------------------------------------------------------------ bandit


def run_bandit(reports: Path) -> str:
    report = reports / "bandit.json"
    command = [require_tool("bandit"), "-r", "src", "-c", str(BANDIT_CONFIG)]
    result = run([*command, "-f", "json", "-o", str(report), "-q"])
    # bandit: 0 = clean, 1 = issues found; anything else is an error.
    if result.returncode not in (0, 1) or not report.is_file():
        report.unlink(missing_ok=True)
        raise ScannerCrashed(f"bandit exited {result.returncode}: {last_line(result.stderr)}")
    return summarize_bandit(load_json_text(report.read_text(encoding="utf-8"), "bandit.json"))


def summarize_bandit(report: Mapping[str, Any]) -> str:
    results = report.get("results", [])
    line = findings_line(len(results), count_by(r.get("issue_severity", "?") for r in results))
    errors = report.get("errors", [])
    return line + (f"; {len(errors)} files not parsed" if errors else "")


# ----------------------------------------------------------------------------- semgrep


def run_semgrep(reports: Path) -> str:
    report = reports / "semgrep.json"
    command = [
        require_tool("semgrep"),
        "scan",
        "--config",
        str(SEMGREP_RULES),
        "--metrics=off",
        "--disable-version-check",
        "--error",
        "--json",
        "--quiet",
        ".",
    ]
    result = run(command)
    # semgrep --error: 0 = clean, 1 = findings; 2 and up are errors (bad rules, crash).
    if result.returncode not in (0, 1):
        raise ScannerCrashed(f"semgrep exited {result.returncode}: {last_line(result.stderr)}")
    data = load_json_text(result.stdout, "semgrep output")
    write_json(report, data)
    return summarize_semgrep(data)


def summarize_semgrep(report: Mapping[str, Any]) -> str:
    results = report.get("results", [])
    severities = (r.get("extra", {}).get("severity", "?") for r in results)
    line = findings_line(len(results), count_by(severities))
    errors = report.get("errors", [])
    return line + (f"; {len(errors)} errors" if errors else "")


# ---------------------------------------------------------------------- detect-secrets


def _secret_key(filename: str, secret: Mapping[str, Any]) -> tuple[str, str, str]:
    # Line numbers move with every edit; the file, type and hash identify a secret.
    return filename, str(secret.get("type")), str(secret.get("hashed_secret"))


def unaccepted_secrets(
    baseline: Mapping[str, Any], scan: Mapping[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """The secrets of ``scan`` that the audited baseline does not accept.

    Accepted means: in the baseline AND audited as a false positive (``is_secret: false``).
    Everything else is reported with a ``status``: ``new`` (not in the baseline),
    ``unaudited`` (in the baseline, never audited) or ``confirmed`` (audited as a real
    secret: it must be removed and rotated, a baseline entry does not excuse it)."""
    known: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for filename, secrets in (baseline.get("results") or {}).items():
        for secret in secrets:
            known[_secret_key(filename, secret)] = secret
    found: dict[str, list[dict[str, Any]]] = {}
    for filename, secrets in (scan.get("results") or {}).items():
        for secret in secrets:
            audited = known.get(_secret_key(filename, secret))
            if audited is not None and audited.get("is_secret") is False:
                continue
            entry = {key: value for key, value in secret.items() if key != "is_secret"}
            if audited is None:
                entry["status"] = "new"
            elif audited.get("is_secret") is True:
                entry["status"] = "confirmed"
                entry["is_secret"] = True
            else:
                entry["status"] = "unaudited"
            found.setdefault(filename, []).append(entry)
    return found


def inside_git_work_tree() -> bool:
    git = shutil.which("git")
    if git is None:
        return False
    return run([git, "rev-parse", "--is-inside-work-tree"], echo=False).stdout.strip() == "true"


def run_detect_secrets(reports: Path) -> str:
    report = reports / "detect-secrets.json"
    executable = require_tool("detect-secrets")
    # Inside a git work tree detect-secrets scans the tracked files; elsewhere `scan .` finds
    # nothing and exits 0, so scan every file (minus tool caches) instead.
    if inside_git_work_tree():
        scope = ["--exclude-files", _BASELINE_EXCLUDE]
    else:
        scope = ["--all-files", "--exclude-files", f"{_BASELINE_EXCLUDE}|{_TOOL_DIRS_EXCLUDE}"]
    baseline: dict[str, Any] = {"results": {}}
    with tempfile.TemporaryDirectory() as scratch:
        if SECRETS_BASELINE.is_file():
            baseline = load_json_text(SECRETS_BASELINE.read_text(encoding="utf-8"), "baseline")
            # `scan --baseline FILE` rescans with the baseline's plugins and filters and
            # rewrites FILE: work on a copy, the committed baseline is never modified.
            copy = Path(scratch) / "baseline.json"
            shutil.copyfile(SECRETS_BASELINE, copy)
            result = run([executable, "scan", *scope, "--baseline", str(copy)])
            output = copy.read_text(encoding="utf-8") if result.returncode == 0 else ""
        else:
            print("  (no .secrets.baseline: every secret found is new)")
            result = run([executable, "scan", *scope])
            output = result.stdout
    if result.returncode != 0:
        raise ScannerCrashed(
            f"detect-secrets exited {result.returncode}: {last_line(result.stderr)}"
        )
    scan = load_json_text(output, "detect-secrets output")
    found = unaccepted_secrets(baseline, scan)
    write_json(report, {"version": scan.get("version"), "results": found})
    statuses = count_by(entry["status"] for entries in found.values() for entry in entries)
    total = sum(len(entries) for entries in found.values())
    return findings_line(total, statuses, "unaccepted secret")


# ---------------------------------------------------------------------------- licences


def read_list(text: str) -> list[str]:
    """Non-empty lines without ``#`` comments (whole-line or trailing)."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def load_allowlist(text: str) -> frozenset[str]:
    return frozenset(name.casefold() for name in read_list(text))


def normalize_name(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_exceptions(text: str) -> dict[str, str]:
    """``package==reason`` lines; a line starting with ``#`` is a comment."""
    exceptions: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, reason = line.partition("==")
        if not separator or not name.strip() or not reason.strip():
            raise ValueError(f"license-exceptions line {number}: expected 'package==reason'")
        exceptions[normalize_name(name.strip())] = reason.strip()
    return exceptions


_SPDX_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def _spdx_allowed(tokens: list[str], allowlist: frozenset[str]) -> bool:
    """An SPDX expression: OR of AND-terms, parentheses, ``X WITH exception`` = X."""
    position = 0

    def expression() -> bool:
        nonlocal position
        allowed = term()
        while position < len(tokens) and tokens[position].upper() == "OR":
            position += 1
            allowed = term() or allowed
        return allowed

    def term() -> bool:
        nonlocal position
        allowed = factor()
        while position < len(tokens) and tokens[position].upper() == "AND":
            position += 1
            allowed = factor() and allowed
        return allowed

    def factor() -> bool:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("incomplete licence expression")
        word = tokens[position]
        position += 1
        if word == "(":
            allowed = expression()
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError("unbalanced parentheses")
            position += 1
            return allowed
        if position < len(tokens) and tokens[position].upper() == "WITH":
            position += 2  # an exception only adds permissions
        return word.casefold() in allowlist

    allowed = expression()
    if position != len(tokens):
        raise ValueError("trailing tokens")
    return allowed


def license_allowed(license_text: str, allowlist: frozenset[str]) -> bool:
    """Whether a pip-licenses licence string is allowed.

    The whole string is looked up first (classifier names such as "MIT License" or
    "GNU Lesser General Public License v3 or later (LGPLv3+)"). pip-licenses joins several
    classifiers with "; " (the package is offered under each of them): one allowed is enough.
    An SPDX expression ("MPL-2.0 AND (Apache-2.0 OR MIT)") is evaluated by its operators."""
    text = " ".join(license_text.split())
    if not text or text.upper() == "UNKNOWN":
        return False
    if text.casefold() in allowlist:
        return True
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if len(parts) > 1:
        return any(license_allowed(part, allowlist) for part in parts)
    if re.search(r"\s(AND|OR|WITH)\s|[()]", text):
        try:
            return _spdx_allowed(_SPDX_TOKEN.findall(text), allowlist)
        except ValueError:
            return False
    return False


def classify_licenses(
    packages: Iterable[Mapping[str, Any]],
    allowlist: frozenset[str],
    exceptions: Mapping[str, str],
    *,
    skip: Iterable[str] = (PROJECT_NAME,),
) -> list[dict[str, Any]]:
    """pip-licenses JSON entries -> {"name", "version", "license", "allowed", "reason"}."""
    skipped = {normalize_name(name) for name in skip}
    classified = []
    for package in packages:
        name = str(package.get("Name", package.get("name", "?")))
        if normalize_name(name) in skipped:
            continue
        license_text = str(package.get("License", package.get("license", "UNKNOWN")))
        exception = exceptions.get(normalize_name(name))
        if license_allowed(license_text, allowlist):
            allowed, reason = True, "allow-list"
        elif exception is not None:
            allowed, reason = True, f"exception: {exception}"
        else:
            allowed, reason = False, "licence not in security/license-allowlist.txt"
        classified.append(
            {
                "name": name,
                "version": str(package.get("Version", package.get("version", "?"))),
                "license": license_text,
                "allowed": allowed,
                "reason": reason,
            }
        )
    return sorted(classified, key=lambda entry: normalize_name(entry["name"]))


def run_licenses(reports: Path) -> str:
    report = reports / "licenses.json"
    result = run([require_tool("pip-licenses"), "--format=json", "--with-system", "--with-urls"])
    if result.returncode != 0:
        raise ScannerCrashed(f"pip-licenses exited {result.returncode}: {last_line(result.stderr)}")
    packages = load_json_text(result.stdout, "pip-licenses output")
    try:
        allowlist = load_allowlist(LICENSE_ALLOWLIST.read_text(encoding="utf-8"))
        exceptions = load_exceptions(LICENSE_EXCEPTIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScannerCrashed(f"licence policy: {error}") from error
    classified = classify_licenses(packages, allowlist, exceptions)
    write_json(report, classified)
    refused = [entry for entry in classified if not entry["allowed"]]
    for entry in refused:
        print(f"    not allowed: {entry['name']} {entry['version']} ({entry['license']})")
    by_exception = sum(entry["reason"].startswith("exception") for entry in classified)
    return f"{len(refused)} not allowed of {len(classified)} packages ({by_exception} by exception)"


# --------------------------------------------------------------------------- pip-audit


def not_evaluated_reason(report_text: str | None, stderr: str) -> str | None:
    """Why a pip-audit run does NOT count as an audit, or None when it does.

    Offline, pip-audit cannot reach its vulnerability service, marks every dependency
    "not found on PyPI" (skipped), prints "No known vulnerabilities found" and exits 0:
    that is no evidence at all, so it must read as not evaluated, never as a pass."""
    if not report_text or not report_text.strip():
        return f"pip-audit wrote no report: {last_line(stderr)}"
    try:
        report = json.loads(report_text)
    except ValueError:
        return f"pip-audit wrote invalid JSON: {last_line(stderr)}"
    dependencies = report if isinstance(report, list) else report.get("dependencies")
    if not isinstance(dependencies, list):
        return "pip-audit report has no dependency list"
    network = _NETWORK_ERROR.search(stderr)
    if network:
        return f"network error while querying the vulnerability service ({network.group(0)})"
    # The project itself is never on PyPI: its skip says nothing about connectivity.
    relevant = [
        item
        for item in dependencies
        if isinstance(item, dict) and normalize_name(str(item.get("name"))) != PROJECT_NAME
    ]
    if not relevant:
        return "pip-audit found no dependencies to audit"
    skipped = [item for item in relevant if "skip_reason" in item]
    if len(skipped) == len(relevant):
        return (
            f"none of the {len(relevant)} dependencies could be audited (every one skipped, e.g."
            f" {skipped[0]['skip_reason']!r}): the vulnerability service is unreachable"
            " (offline?)"
        )
    if 2 * len(skipped) > len(relevant):
        return (
            f"only {len(relevant) - len(skipped)} of {len(relevant)} dependencies could be"
            " audited; the rest were skipped"
        )
    return None


def find_uv() -> str | None:
    """uv from $UV (set by `uv run`), PATH or the Makefile's bootstrap in .tools/."""
    candidates = [os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools" / "bin" / "uv")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def audit_sources(scratch: Path) -> list[str]:
    """pip-audit arguments: the locked requirements when uv can export them (hashes, so
    pip-audit needs no resolver), else the installed environment."""
    uv = find_uv()
    if uv is not None:
        requirements = scratch / "requirements.txt"
        export = run(
            [
                uv,
                "export",
                "--frozen",
                "--format",
                "requirements-txt",
                "--no-emit-project",
                "--quiet",
                "--output-file",
                str(requirements),
            ]
        )
        if export.returncode == 0 and requirements.is_file():
            return ["-r", str(requirements), "--disable-pip"]
        print(f"  (uv export failed: {last_line(export.stderr)}; auditing the installed env)")
    return ["--local"]


def run_pip_audit(reports: Path) -> str:
    report = reports / "pip-audit.json"
    executable = find_tool("pip-audit")
    if executable is None:
        missing = "pip-audit is not installed"
        write_json(report, {"status": "not_evaluated", "reason": missing})
        return f"NOT EVALUATED: {missing}"
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "pip-audit.json"
        command = [executable, *audit_sources(Path(scratch))]
        try:
            result = run([*command, "-f", "json", "--progress-spinner", "off", "-o", str(output)])
        except ScannerCrashed as error:  # timed out: still a report, "not evaluated"
            result = Completed(-1, "", str(error))
        text = output.read_text(encoding="utf-8") if output.is_file() else None
    reason = not_evaluated_reason(text, result.stderr + result.stdout)
    if reason is not None or text is None:
        write_json(report, {"status": "not_evaluated", "reason": reason})
        return f"NOT EVALUATED: {reason}"
    report.write_text(text, encoding="utf-8")  # pip-audit's own JSON, unchanged
    return summarize_pip_audit(json.loads(text))


def summarize_pip_audit(report: Mapping[str, Any] | list[Any]) -> str:
    dependencies = report if isinstance(report, list) else report.get("dependencies", [])
    vulnerable = [item for item in dependencies if item.get("vulns")]
    total = sum(len(item["vulns"]) for item in vulnerable)
    skipped = sum("skip_reason" in item for item in dependencies)
    return (
        f"{total} known vulnerabilities in {len(vulnerable)} of {len(dependencies)} packages"
        f" ({skipped} skipped)"
    )


# -------------------------------------------------------------------------------- main

SCANNERS: dict[str, Callable[[Path], str]] = {
    "bandit": run_bandit,
    "semgrep": run_semgrep,
    "detect-secrets": run_detect_secrets,
    "licenses": run_licenses,
    "pip-audit": run_pip_audit,
}
# Each scanner writes <name>.json (the file names the gates read, quality-gates.toml [reports]).
REPORT_FILES = {name: f"{name}.json" for name in SCANNERS}


def parse_only(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCANNERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scanner(s) {', '.join(unknown) or '(none)'}; choose from "
            + ", ".join(SCANNERS)
        )
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="report directory")
    parser.add_argument(
        "--only",
        type=parse_only,
        default=list(SCANNERS),
        help="comma-separated subset of: " + ", ".join(SCANNERS),
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exit_:  # argparse: 2 for usage errors, 0 for --help
        return EXIT_USAGE if exit_.code else 0
    reports: Path = args.reports.resolve()
    reports.mkdir(parents=True, exist_ok=True)
    summary: list[tuple[str, str]] = []
    crashed = False
    for name in args.only:
        print(f"== {name}", flush=True)
        # A report from an earlier run must never stand in for this one.
        (reports / REPORT_FILES[name]).unlink(missing_ok=True)
        try:
            line = SCANNERS[name](reports)
        except ScannerCrashed as error:
            crashed = True
            line = f"CRASHED, no report: {error}"
        summary.append((name, line))
    print(f"\nsecurity scan summary (reports in {_shorten(str(reports))}):")
    for name, line in summary:
        print(f"  {name:<15} {line}")
    return EXIT_CRASHED if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
