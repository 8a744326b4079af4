"""The package's shape, read from its imports (docs/architecture.md, "Layers"):

- no import cycles between modules, counting imports inside functions;
- a function-local import of the package only where it keeps a heavy dependency lazy;
- domain code reaches another domain only through that domain's face (``<domain>.service``,
  else the package itself), and the domains form no cycle;
- modules stay under 400 lines unless their docstring says why ("Over 400 lines: ...")."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = "customercare"
SOURCE = Path(__file__).resolve().parents[3] / "src" / PACKAGE

# Everyone may import these: they know no domain.
FOUNDATION = {"settings", "errors", "ids", "db", "observability"}
# Entry points wire the domains together and may reach anything.
# (http_edge: the middleware every request passes through before any router.)
# (sweeps: background repairs an entry point starts, over several domains' faces.)
# (dashboard: the server-rendered UI, HTML routers over the domains' faces like the API's.)
ENTRY = {
    "app",
    "bootstrap",
    "runtime",
    "deps",
    "http_edge",
    "cli",
    "evaluation",
    "demo",
    "sweeps",
    "dashboard",
}
# Imports inside functions that keep an optional or heavy dependency off the import path.
LAZY_IMPORTS = {
    ("customercare.bootstrap", "customercare.jobs.redis_queue"),  # dramatiq: Redis only
    ("customercare.answers.providers", "customercare.answers.providers.offline"),
    ("customercare.answers.providers", "customercare.answers.providers.openai_compatible"),
    ("customercare.search.embedding", "customercare.search.embedding.model_files"),
    ("customercare.search.embedding", "customercare.search.embedding.onnx"),  # onnxruntime
    ("customercare.search.embedding", "customercare.search.embedding.openai_compatible"),
    ("customercare.search.embedding", "customercare.search.embedding.sentence_transformers"),
    ("customercare.search.embedding", "customercare.errors"),
    ("customercare.cli.evaluate", "customercare.evaluation.calibration"),  # numpy fitting
    ("customercare.cli.serve", "customercare.db.migrate"),  # alembic: `ccgpt --help` stays fast
    ("customercare.cli.serve", "customercare.jobs.redis_queue"),
    ("customercare.cli.serve", "customercare.bootstrap"),
    ("customercare.cli.serve", "customercare.sweeps"),  # imports the domains: --help stays fast
}
# The CLI answers at once: `ccgpt --help` and `ccgpt <group> --help` import typer and rich
# only (tests/cli/test_cli_imports.py); each command imports the settings, the runtime and
# the domains it uses (SQLAlchemy, Chroma, ONNX Runtime, Alembic, the web stack) when it runs.
CLI_LAZY_IMPORTS = {
    ("customercare.cli.apikey", "customercare.db.engine"),
    ("customercare.cli.apikey", "customercare.tenancy.service"),
    ("customercare.cli.ask", "customercare.answers.engine"),
    ("customercare.cli.ask", "customercare.tenancy.service"),
    ("customercare.cli.backup", "customercare.backup.service"),
    ("customercare.cli.backup", "customercare.ids"),
    ("customercare.cli.backup", "customercare.observability.logging"),
    ("customercare.cli.bench", "customercare.evaluation.answers"),
    ("customercare.cli.bench", "customercare.evaluation.beir"),
    ("customercare.cli.bench", "customercare.evaluation.benchmark"),
    ("customercare.cli.bench", "customercare.evaluation.chat_benchmark"),
    ("customercare.cli.context", "customercare.bootstrap"),
    ("customercare.cli.context", "customercare.db.migrate"),
    ("customercare.cli.context", "customercare.observability.logging"),
    ("customercare.cli.context", "customercare.settings"),
    ("customercare.cli.db", "customercare.db.migrate"),
    ("customercare.cli.demo", "customercare.cli.serve"),
    ("customercare.cli.deploy", "customercare.delivery.deploy.service"),
    ("customercare.cli.deploy", "customercare.observability.logging"),
    ("customercare.cli.demo", "customercare.db.engine"),
    ("customercare.cli.demo", "customercare.jobs"),
    ("customercare.cli.demo", "customercare.knowledge.ingestion"),
    ("customercare.cli.demo", "customercare.knowledge.service"),
    ("customercare.cli.demo", "customercare.tenancy.service"),
    ("customercare.cli.evaluate", "customercare.evaluation.answers"),
    ("customercare.cli.evaluate", "customercare.evaluation.beir"),
    ("customercare.cli.evaluate", "customercare.evaluation.cross_validation"),
    ("customercare.cli.evaluate", "customercare.evaluation.retrieval"),
    ("customercare.cli.evaluate", "customercare.evaluation.trec"),
    ("customercare.cli.gates", "customercare.delivery.gates"),
    ("customercare.cli.gates", "customercare.delivery.gates.evaluate"),
    ("customercare.cli.gates", "customercare.delivery.gates.render"),
    ("customercare.cli.ingest", "customercare.jobs"),
    ("customercare.cli.ingest", "customercare.knowledge.ingestion"),
    ("customercare.cli.ingest", "customercare.knowledge.models"),
    ("customercare.cli.ingest", "customercare.knowledge.service"),
    ("customercare.cli.ingest", "customercare.knowledge.web_sources"),
    ("customercare.cli.ingest", "customercare.tenancy.service"),
    ("customercare.cli.model", "customercare.search.embedding.model_files"),
    ("customercare.cli.search", "customercare.search.router"),
    ("customercare.cli.search", "customercare.search.service"),
    ("customercare.cli.search", "customercare.tenancy.service"),
    ("customercare.cli.openapi", "customercare.app"),
    ("customercare.cli.openapi", "customercare.delivery.postman"),
    ("customercare.cli.openapi", "customercare.openapi"),
    ("customercare.cli.serve", "customercare.observability.logging"),
    ("customercare.cli.serve", "customercare.observability.metrics"),
    ("customercare.cli.serve", "customercare.observability.redaction"),
    ("customercare.cli.status", "customercare.db.engine"),
    ("customercare.cli.status", "customercare.db.migrate"),
    ("customercare.cli.status", "customercare.errors"),
    ("customercare.cli.status", "customercare.ids"),
    ("customercare.cli.status", "customercare.status.router"),
    ("customercare.cli.status", "customercare.status.service"),
    ("customercare.cli.user", "customercare.accounts.service"),
    ("customercare.cli.user", "customercare.db.engine"),
    ("customercare.cli.workspace", "customercare.accounts.service"),
    ("customercare.cli.workspace", "customercare.db.engine"),
    ("customercare.cli.workspace", "customercare.tenancy.service"),
}
LAZY_IMPORTS |= CLI_LAZY_IMPORTS
# db.models registers every table for Alembic's metadata: it imports each domain's models.
REGISTRIES = {"customercare.db.models"}


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    local: set[tuple[str, str]] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(graph: Graph, name: str) -> str | None:
    while name and name not in graph.modules:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name or None


def _targets(graph: Graph, module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            is_package = graph.modules[module].name == "__init__.py"
            anchor = module.split(".")
            anchor = anchor if is_package else anchor[:-1]
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names = [f"{base}.{alias.name}" for alias in node.names]
    found = [_resolve(graph, name) for name in names if name.startswith(PACKAGE)]
    return [name for name in found if name and name != module]


def build_graph() -> Graph:
    graph = Graph()
    for path in SOURCE.rglob("*.py"):
        graph.modules[_module_name(path)] = path
    for module, path in graph.modules.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph.imports[module].update(_targets(graph, module, node))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        graph.local.update((module, t) for t in _targets(graph, module, node))
    return graph


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def domain_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_edge(module: str) -> bool:
    """Entry points and routers: HTTP and wiring, above every domain."""
    return domain_of(module) in ENTRY or module.rsplit(".", 1)[-1].endswith("router")


def face_of(graph: Graph, domain: str) -> str:
    service = f"{PACKAGE}.{domain}.service"
    return service if service in graph.modules else f"{PACKAGE}.{domain}"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph()


def test_the_graph_is_read(graph: Graph) -> None:
    assert len(graph.modules) > 100
    assert "customercare.knowledge.service" in graph.imports["customercare.knowledge.router"]


def test_no_module_import_cycles(graph: Graph) -> None:
    assert _cycles(graph.imports) == []


def test_function_local_imports_only_keep_heavy_dependencies_lazy(graph: Graph) -> None:
    assert sorted(graph.local - LAZY_IMPORTS) == []


def test_domains_meet_only_at_their_faces(graph: Graph) -> None:
    reaching_in = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.imports.items())
        if not is_edge(module) and module not in REGISTRIES
        for target in sorted(targets)
        if domain_of(target) != domain_of(module)
        and domain_of(target) not in FOUNDATION
        and target != face_of(graph, domain_of(target))
    ]
    assert reaching_in == []


def test_routers_use_other_domains_through_their_faces(graph: Graph) -> None:
    reaching_in = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.imports.items())
        if module.rsplit(".", 1)[-1].endswith("router")
        for target in sorted(targets)
        if domain_of(target) != domain_of(module)
        and domain_of(target) not in FOUNDATION | ENTRY
        and target != face_of(graph, domain_of(target))
    ]
    assert reaching_in == []


def test_domains_form_no_cycle(graph: Graph) -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.imports.items():
        if is_edge(module) or module in REGISTRIES:
            continue
        for target in targets:
            if domain_of(target) != domain_of(module):
                edges[domain_of(module)].add(domain_of(target))
    assert _cycles(edges) == []


def test_long_modules_say_why(graph: Graph) -> None:
    unexplained = []
    for module, path in sorted(graph.modules.items()):
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > 400 and "Over 400 lines: " not in (ast.get_docstring(ast.parse(text)) or ""):
            unexplained.append(f"{module}: {lines} lines")
    assert unexplained == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
