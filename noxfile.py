"""Every check is a nox session; the Makefile, .ci/run and CI workflows call these.

Sessions run inside the project's uv-managed environment (``uv sync --frozen``), so the
locked versions are the ones checked, locally and in CI alike."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests", "security", "workflows", "containers"]
nox.options.error_on_missing_interpreters = True

REPORTS = Path("reports")
PRODUCTION_VARIABLES = ("CCGPT_TEST_DATABASE_URL", "CCGPT_TEST_REDIS_URL", "CCGPT_TEST_CHROMA_URL")


# `uv run` exports UV (its own path); the Makefile's bootstrap puts uv in .tools/bin.
UV = os.environ.get("UV") or shutil.which("uv") or str(Path(".tools/bin/uv").resolve())


def uv_run(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    session.run(UV, "run", "--frozen", *args, env=env, external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    uv_run(session, "ruff", "check", ".")
    uv_run(session, "ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    uv_run(session, "mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """pytest on the embedded backend (+ production with CCGPT_TEST_*), coverage >= 80%.

    The production backend (PostgreSQL, Redis, Chroma server) runs when the CCGPT_TEST_*
    URLs are set; coverage is combined across both runs."""
    REPORTS.mkdir(exist_ok=True)
    uv_run(session, "coverage", "erase")
    backends = ["embedded"]
    if all(os.environ.get(name) for name in PRODUCTION_VARIABLES):
        backends.append("production")
    else:
        session.log("production backend skipped: set " + ", ".join(PRODUCTION_VARIABLES))
    for backend in backends:
        session.log(f"--- backend: {backend}")
        uv_run(
            session,
            "pytest",
            "--cov=customercare",
            "--cov-report=",
            f"--junitxml={REPORTS / f'junit-{backend}.xml'}",
            *session.posargs,
            env={"CCGPT_TEST_BACKEND": backend, "COVERAGE_FILE": f".coverage.{backend}"},
        )
    uv_run(session, "coverage", "combine", "--keep", *[f".coverage.{b}" for b in backends])
    uv_run(session, "coverage", "xml", "-o", str(REPORTS / "coverage.xml"))
    uv_run(session, "coverage", "html", "-d", str(REPORTS / "htmlcov"))
    # The 80% floor is for the whole suite; a run of one part (posargs) only reports.
    fail_under = [] if session.posargs else ["--fail-under=80"]
    uv_run(session, "coverage", "report", *fail_under)


@nox.session(name="api-contract")
def api_contract(session: nox.Session) -> None:
    """schemathesis against the app's OpenAPI on 127.0.0.1: no 5xx, no undeclared status.

    The same test runs in ``nox -s tests``; this session runs it alone (about a minute)."""
    uv_run(session, "pytest", "-q", "tests/integration/api/test_api_contract.py", *session.posargs)


API_CHECKS = Path("tools/api-checks")


@nox.session
def postman(session: nox.Session) -> None:
    """The Postman collection (``ccgpt openapi postman``) run by newman (tools/api-checks,
    pinned by its package-lock.json) against a live ``ccgpt serve`` on 127.0.0.1 with a seeded
    workspace, an admin API key and a document: reports/postman/ (newman.json, the collection,
    the requests left out and why). Needs Node 20+ and npm; about a minute."""
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm not found: the postman session needs Node 20+ and npm")
    session.run(npm, "ci", "--prefix", str(API_CHECKS), "--no-audit", "--no-fund", external=True)
    uv_run(session, "python", "scripts/ci/live_api.py", "postman", "--reports", str(REPORTS))


@nox.session
def dast(session: nox.Session) -> None:
    """DAST: the schemathesis CLI against a LIVE ``ccgpt serve`` on 127.0.0.1 (not in-process)
    with a seeded admin API key: no 5xx, only documented statuses and bodies; bounded examples
    (``-- --max-examples N``, default 5), a fixed seed; JUnit in reports/dast/junit.xml."""
    uv_run(
        session,
        "python",
        "scripts/ci/live_api.py",
        "dast",
        "--reports",
        str(REPORTS),
        *session.posargs,
    )


@nox.session
def faults(session: nox.Session) -> None:
    """A private PostgreSQL restarted and a private Redis wiped under load, against real
    ``ccgpt serve`` and ``ccgpt worker`` processes: JSON 503s, no lost answer or document."""
    uv_run(session, "pytest", "-q", "-m", "faults", "tests/faults", *session.posargs)


@nox.session
def backup(session: nox.Session) -> None:
    """The restore drill: fill a workspace, back up, destroy everything, restore, same answers
    and citations, API keys and sign-in still work; prints RPO and RTO. Embedded always, and
    PostgreSQL + the Chroma server when the CCGPT_TEST_* URLs are set (a few minutes each)."""
    if not all(os.environ.get(name) for name in PRODUCTION_VARIABLES):
        session.log("production backend skipped: set " + ", ".join(PRODUCTION_VARIABLES))
    uv_run(session, "pytest", "-q", "-s", "-m", "drill", "tests/drill", *session.posargs)


@nox.session
def deploy(session: nox.Session) -> None:
    """One-host blue-green deploys under load through a private nginx (Debian package): v1 then
    v2 with no failed request, a release that never gets ready, one failing chat after the
    switch (rolled back automatically), a manual rollback, a production deploy refused without
    a backup (docs/deployment.md). About four minutes."""
    uv_run(session, "pytest", "-q", "-s", "-m", "deploy", "tests/deploy", *session.posargs)


@nox.session
def quickstart(session: nox.Session) -> None:
    """The README's quick start on a fresh clone with an empty home directory, timed against
    the targets (first answer, warm restart, ``ccgpt --help``); PyPI and localhost only, about
    three minutes. Prints the figures."""
    uv_run(
        session,
        "pytest",
        "-q",
        "-s",
        "--timeout=600",
        "tests/performance/test_quickstart.py",
        *session.posargs,
        env={"CCGPT_QUICKSTART": "1"},
    )


@nox.session
def migrations(session: nox.Session) -> None:
    """Models and migrations agree; upgrade, downgrade to base and upgrade again work.

    Each check runs on a scratch SQLite file and, when CCGPT_TEST_DATABASE_URL is set (an
    admin URL), on a scratch PostgreSQL database created and dropped by the test."""
    if not os.environ.get("CCGPT_TEST_DATABASE_URL"):
        session.log("PostgreSQL skipped: set CCGPT_TEST_DATABASE_URL")
    uv_run(session, "pytest", "-m", "migrations", "tests/integration/db", *session.posargs)


@nox.session
def security(session: nox.Session) -> None:
    """bandit, semgrep (rules in security/), detect-secrets, licences, pip-audit -> reports/."""
    uv_run(session, "python", "scripts/ci/security.py", "--reports", str(REPORTS), *session.posargs)


@nox.session
def workflows(session: nox.Session) -> None:
    """actionlint and zizmor --offline over .github/workflows."""
    uv_run(session, "bash", "scripts/ci/workflows.sh")


@nox.session
def containers(session: nox.Session) -> None:
    """hadolint on the Dockerfile; docker-compose config on both compose files."""
    uv_run(session, "bash", "scripts/ci/containers.sh")


WIDGET = Path("widget")
WIDGET_STATIC = "src/customercare/widget/static"
WIDGET_SCRIPTS = ("lint", "typecheck", "test", "build", "size")


@nox.session
def widget(session: nox.Session) -> None:
    """The TypeScript widget: npm ci, lint (ESLint + Prettier), tsc, Vitest, build, size, and
    the rebuilt bundle must equal the committed one (CCGPT_WIDGET_NO_DIFF=1 skips that check).

    Needs Node 20.19+ and npm on PATH; the Python-only quick start does not (the built files
    in src/customercare/widget/static are committed)."""
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm not found: the widget session needs Node 20.19+ and npm")
    for script in (["ci", "--no-audit", "--no-fund"], *(["run", s] for s in WIDGET_SCRIPTS)):
        session.run(npm, "--prefix", str(WIDGET), *script, external=True)
    if os.environ.get("CCGPT_WIDGET_NO_DIFF") == "1":
        session.log("bundle diff skipped (CCGPT_WIDGET_NO_DIFF=1)")
        return
    session.run("git", "diff", "--exit-code", "--stat", "--", WIDGET_STATIC, external=True)
    # A file the build added but git does not know is a difference as well.
    untracked = session.run(
        "git",
        "ls-files",
        "--others",
        "--exclude-standard",
        "--",
        WIDGET_STATIC,
        external=True,
        silent=True,
    )
    if untracked and str(untracked).strip():
        session.error(f"untracked built files (commit them): {untracked}")


@nox.session
def precommit(session: nox.Session) -> None:
    """pre-commit run --all-files with the repository's local hooks."""
    uv_run(session, "pre-commit", "run", "--all-files", "--show-diff-on-failure")


@nox.session
def gates(session: nox.Session) -> None:
    """Quality gates over reports/ for a stage (pr, main, release): nox -s gates -- main."""
    stage = session.posargs[0] if session.posargs else "pr"
    uv_run(
        session,
        "ccgpt",
        "gates",
        "check",
        "--stage",
        stage,
        "--reports",
        str(REPORTS),
        "--json-out",
        str(REPORTS / "gates.json"),
        "--markdown-out",
        str(REPORTS / "gates.md"),
    )


@nox.session
def browser(session: nox.Session) -> None:
    """The widget end to end in Debian chromium (Playwright, never a downloaded browser): a
    host page on 127.0.0.2 embeds it from a real ``ccgpt serve`` on 127.0.0.1. Needs
    widget/node_modules (axe-core) and /usr/bin/chromium; ``.ci/run`` provides both."""
    uv_run(session, "pytest", "-q", "-m", "browser", "tests/browser", *session.posargs)


@nox.session
def monitoring(session: nox.Session) -> None:
    """deploy/monitoring: ``promtool check config`` and ``check rules``, the alert unit tests
    (``promtool test rules``: each alert fires once and stays quiet once), and the check that
    the rules and the Grafana dashboard name only metrics the service exports."""
    promtool = shutil.which("promtool")
    if promtool is None:
        session.error("promtool is missing: apt-get install prometheus")
    folder = Path("deploy/monitoring")
    session.run(promtool, "check", "config", str(folder / "prometheus.yml"), external=True)
    session.run(
        promtool,
        "test",
        "rules",
        *sorted(str(p) for p in (folder / "tests").glob("*.yml")),
        external=True,
    )
    uv_run(session, "pytest", "-q", "tests/unit/observability/test_monitoring_files.py")
