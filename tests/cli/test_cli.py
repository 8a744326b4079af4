"""The ``ccgpt`` command, driven in-process through its real typer app on the embedded backend
(a SQLite file and an embedded Chroma in a fresh data directory per test), whatever backend
the rest of the suite runs on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from customercare.db.engine import make_engine, make_session_factory
from customercare.db.models import Base
from customercare.demo import CONTENT_DIR
from customercare.errors import AuthenticationError
from customercare.knowledge import service
from customercare.knowledge.schemas import DocumentPublic
from customercare.settings import Settings, get_settings
from customercare.tenancy import service as tenancy
from tests.support.beir_fixture import write_dataset
from tests.support.cli import cli_environment, invoke, output
from tests.support.factories import faq_csv_bytes

MARKDOWN = (
    b"# Loyalty rewards\n\n"
    b"Members of the Quokka Club earn one stamp per espresso; ten stamps buy a free pastry.\n"
)
FAQ = faq_csv_bytes(
    [
        ("Can I bring my dog?", "Dogs on a lead are welcome on the terrace."),
        ("Do you sell gift cards?", "Gift cards from 10 to 100 euros are sold at the counter."),
    ]
)
BROKEN_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a real pdf\n"


@dataclass
class Cli:
    data_dir: Path

    def __call__(self, *args: str) -> Any:
        return invoke(*args)

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the database the commands used (read back through the service layer)."""
        engine = make_engine(self.settings.resolved_database_url)
        try:
            with make_session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()

    def documents(self, workspace_id: str) -> list[DocumentPublic]:
        with self.session() as session:
            items, _ = service.list_documents(session, workspace_id=workspace_id, limit=200)
        return items

    def create_workspace(self, name: str = "Quokka Coffee") -> tuple[str, str]:
        result = self("workspace", "create", name)
        assert result.exit_code == 0, output(result)
        return parse_workspace(output(result))


def parse_workspace(text: str) -> tuple[str, str]:
    workspace = re.search(r"workspace_id: (\S+)", text)
    key = re.search(r"api_key: (\S+)", text)
    assert workspace, text
    assert key, text
    return workspace.group(1), key.group(1)


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, Any]]:
    """``ccgpt demo --load-only`` once for the module: it embeds the whole demo content."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    with pytest.MonkeyPatch.context() as monkeypatch, cli_environment(monkeypatch, data_dir):
        cli = Cli(data_dir)
        yield cli, cli("demo", "--load-only")


def test_settings_come_from_the_environment(cli: Cli) -> None:
    settings = get_settings()
    assert settings.data_dir == cli.data_dir
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.redis_url is None
    assert settings.chroma_url is None


def test_db_upgrade_creates_the_schema(cli: Cli) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, output(result)
    assert "database at revision head" in output(result)
    assert (cli.data_dir / "customercare.db").is_file()
    engine = make_engine(cli.settings.resolved_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_workspace_create_prints_an_id_and_a_working_key(cli: Cli) -> None:
    workspace_id, key = cli.create_workspace("Quokka Coffee")
    assert re.fullmatch(r"[0-9a-f]{32}", workspace_id)
    assert key.startswith("ccgpt_")
    with cli.session() as session:
        _, workspace = tenancy.authenticate_api_key(session, secret=key)
        assert workspace.id == workspace_id
        assert workspace.name == "Quokka Coffee"


def test_workspace_list_shows_created_workspaces(cli: Cli) -> None:
    first, _ = cli.create_workspace("Quokka Coffee")
    second, _ = cli.create_workspace("Wombat Bikes")
    result = cli("workspace", "list")
    assert result.exit_code == 0, output(result)
    text = output(result)
    for workspace_id in (first, second):
        assert workspace_id in text
    assert "Quokka Coffee" in text
    assert "Wombat Bikes" in text
    assert text.index(first) < text.index(second)  # oldest first


def test_ingest_folder_reports_the_broken_file_and_indexes_the_rest(
    cli: Cli, tmp_path: Path
) -> None:
    workspace_id, _ = cli.create_workspace()
    folder = tmp_path / "help"
    folder.mkdir()
    (folder / "loyalty.md").write_bytes(MARKDOWN)
    (folder / "faq.csv").write_bytes(FAQ)
    (folder / "manual.pdf").write_bytes(BROKEN_PDF)
    result = cli("ingest", str(folder), "-w", workspace_id)
    text = output(result)
    assert result.exit_code == 1, text
    assert "manual.pdf" in text
    assert "failed" in text
    assert "1 failed" in text
    documents = {document.filename: document for document in cli.documents(workspace_id)}
    assert set(documents) == {"loyalty.md", "faq.csv", "manual.pdf"}
    assert documents["loyalty.md"].status == "ready"
    assert documents["faq.csv"].status == "ready"
    assert documents["manual.pdf"].status == "failed"
    assert documents["manual.pdf"].failure_code == "corrupt_file"


def test_ingest_of_good_files_exits_zero(cli: Cli, tmp_path: Path) -> None:
    workspace_id, _ = cli.create_workspace()
    path = tmp_path / "loyalty.md"
    path.write_bytes(MARKDOWN)
    result = cli("ingest", str(path), "-w", workspace_id)
    assert result.exit_code == 0, output(result)
    assert "1 ready, 0 failed" in output(result)


def test_ingest_missing_path_fails_with_a_message(cli: Cli, tmp_path: Path) -> None:
    workspace_id, _ = cli.create_workspace()
    missing = tmp_path / "no-such-folder"
    result = cli("ingest", str(missing), "-w", workspace_id)
    assert result.exit_code != 0
    assert "does not exist" in output(result)
    assert "no-such-folder" in output(result)
    assert cli.documents(workspace_id) == []


def test_ingest_into_unknown_workspace_fails_with_a_message(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "loyalty.md"
    path.write_bytes(MARKDOWN)
    result = cli("ingest", str(path), "-w", "0" * 32)
    assert result.exit_code != 0
    text = output(result)
    assert "0" * 32 in text
    assert "not found" in text


def test_ingest_without_anything_to_ingest_fails(cli: Cli) -> None:
    workspace_id, _ = cli.create_workspace()
    result = cli("ingest", "-w", workspace_id)
    assert result.exit_code != 0
    assert "give files, folders or --url" in output(result)


def test_search_json_ranks_the_ingested_passage_first(cli: Cli, tmp_path: Path) -> None:
    workspace_id, _ = cli.create_workspace()
    (tmp_path / "loyalty.md").write_bytes(MARKDOWN)
    (tmp_path / "faq.csv").write_bytes(FAQ)
    ingested = cli(
        "ingest", str(tmp_path / "loyalty.md"), str(tmp_path / "faq.csv"), "-w", workspace_id
    )
    assert ingested.exit_code == 0, output(ingested)
    result = cli("search", "how many stamps for a free pastry", "-w", workspace_id, "--json")
    assert result.exit_code == 0, output(result)
    hits = json.loads(result.stdout)
    assert hits, "no hits"
    assert hits[0]["rank"] == 1
    assert "Quokka Club" in hits[0]["text"]
    assert hits[0]["citation"]["title"] == "Loyalty rewards"
    faq = cli("search", "gift cards", "-w", workspace_id, "--json", "--mode", "bm25")
    assert faq.exit_code == 0, output(faq)
    assert "Gift cards from 10 to 100 euros" in json.loads(faq.stdout)[0]["text"]


def test_search_table_output(cli: Cli, tmp_path: Path) -> None:
    workspace_id, _ = cli.create_workspace()
    (tmp_path / "loyalty.md").write_bytes(MARKDOWN)
    assert cli("ingest", str(tmp_path / "loyalty.md"), "-w", workspace_id).exit_code == 0
    result = cli("search", "espresso stamps", "-w", workspace_id)
    assert result.exit_code == 0, output(result)
    assert "Loyalty rewards" in output(result)
    empty = cli("search", "espresso stamps", "-w", cli.create_workspace("Empty")[0])
    assert empty.exit_code == 0, output(empty)
    assert "no passages found" in output(empty)


def test_search_with_an_unknown_mode_is_refused(cli: Cli) -> None:
    workspace_id, _ = cli.create_workspace()
    result = cli("search", "refunds", "-w", workspace_id, "--mode", "bogus")
    assert result.exit_code != 0
    assert "--mode" in output(result)


def test_eval_retrieval_cross_validates_the_fusion_setting(cli: Cli, tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    result = cli(
        "eval", "retrieval", "--beir", str(dataset), "--split", "test",
        "--cross-validate", "2", "--repeats", "2",
    )  # fmt: skip
    text = output(result)
    assert result.exit_code == 0, text
    assert "convex 0.5" in text
    assert "rrf k=60" in text
    assert re.search(r"cross-validated hybrid \(2 folds, 2 shuffles\): nDCG@10 [01]\.\d{4}", text)


def test_eval_retrieval_refuses_a_single_fold(cli: Cli, tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    result = cli("eval", "retrieval", "--beir", str(dataset), "--split", "test",
                 "--cross-validate", "1")  # fmt: skip
    assert result.exit_code == 2
    assert "--cross-validate" in output(result)


def test_search_in_an_unknown_workspace_fails(cli: Cli) -> None:
    result = cli("search", "refunds", "-w", "f" * 32, "--json")
    assert result.exit_code != 0
    assert "not found" in output(result)


def test_demo_load_only_prints_a_key(demo_run: tuple[Cli, Any]) -> None:
    cli, result = demo_run
    text = output(result)
    assert result.exit_code == 0, text
    workspace = re.search(r"demo workspace: (\S+)", text)
    key = re.search(r"API key: (\S+)", text)
    assert workspace, text
    assert key, text
    with cli.session() as session:
        _, found = tenancy.authenticate_api_key(session, secret=key.group(1))
        assert found.id == workspace.group(1)


def test_demo_load_only_indexes_every_demo_file(demo_run: tuple[Cli, Any]) -> None:
    cli, result = demo_run
    assert result.exit_code == 0, output(result)
    workspace = re.search(r"demo workspace: (\S+)", output(result))
    assert workspace
    files = sorted(path.name for path in CONTENT_DIR.iterdir() if path.is_file())
    assert len(files) >= 20
    documents = cli.documents(workspace.group(1))
    assert sorted(document.filename for document in documents) == files
    not_ready = {d.filename: (d.status, d.failure_reason) for d in documents if d.status != "ready"}
    assert not_ready == {}
    assert all(document.chunk_count > 0 for document in documents)
    assert all(document.tags == ["demo"] for document in documents)


def test_demo_content_is_searchable(demo_run: tuple[Cli, Any]) -> None:
    cli, result = demo_run
    workspace = re.search(r"demo workspace: (\S+)", output(result))
    assert workspace
    search = cli("search", "how do I get a refund", "-w", workspace.group(1), "--json")
    assert search.exit_code == 0, output(search)
    hits = json.loads(search.stdout)
    assert hits
    assert any("refund" in hit["text"].lower() for hit in hits[:3])


def test_demo_prints_one_line_per_step_and_the_export_line(
    demo_run: tuple[Cli, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, first = demo_run
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal: commands are still one line each
    again = cli("demo", "--load-only")
    text = output(again)
    assert again.exit_code == 0, text
    assert re.search(r"^demo: database and vector store open \(\d+\.\d s\)$", text, re.M)
    assert re.search(r"^demo: \d+ help-center documents ready \(0 indexed now\)", text, re.M)
    key = re.search(r"^API key: (\S+)$", output(first), re.M)
    assert key
    # The same workspace and key as the first run, said where they are.
    assert f"export KEY={key.group(1)}\n" in text
    assert f"API key: {key.group(1)}\n" in text
    assert f"demo: data directory {cli.data_dir}\n" in text
    key_file = cli.data_dir / "demo-api-key"
    assert key_file.read_text().strip() == key.group(1)
    assert key_file.stat().st_mode & 0o777 == 0o600
    chat = [line for line in text.splitlines() if line.startswith("curl -s") and "/chat" in line]
    assert len(chat) == 1
    assert chat[0].endswith("http://127.0.0.1:8000/api/v1/chat")
    assert "/docs" in text
    assert "/redoc" in text


def test_demo_revokes_its_old_key_when_it_issues_a_new_one(demo_run: tuple[Cli, Any]) -> None:
    cli, first = demo_run
    old = re.search(r"^API key: (\S+)$", output(first), re.M)
    assert old
    (cli.data_dir / "demo-api-key").unlink()
    again = cli("demo", "--load-only")
    new = re.search(r"^API key: (\S+)$", output(again), re.M)
    assert new
    assert new.group(1) != old.group(1)
    with cli.session() as session:
        tenancy.authenticate_api_key(session, secret=new.group(1))
        with pytest.raises(AuthenticationError):
            tenancy.authenticate_api_key(session, secret=old.group(1))
