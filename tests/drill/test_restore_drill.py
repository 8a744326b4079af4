"""The restore drill (``nox -s backup``): fill a workspace through real ``ccgpt`` processes
(the demo help center, conversations, an API key, an account), back up, write once more,
destroy everything, restore, and check that the same questions get the same answers with the
same citations, that the API key and sign-in still work and that the later write is gone.

Runs on the embedded backend, and on PostgreSQL + a Chroma server when the CCGPT_TEST_*
URLs are set (a scratch database created and dropped here; Redis is not used). Prints RPO
and RTO for the size it used (docs/BACKUP_DISASTER_RECOVERY_GUIDE.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from customercare.backup import crypto
from customercare.demo import CONTENT_DIR
from customercare.settings import Settings
from tests.support.served import ccgpt_serve

pytestmark = [pytest.mark.drill, pytest.mark.slow]

CCGPT = Path(sys.executable).with_name("ccgpt")
EVAL = CONTENT_DIR.parent / "answer_eval.jsonl"
QUESTIONS = [json.loads(line)["question"] for line in EVAL.read_text().splitlines()[:12]]
PASSWORD = "drill-Passw0rd-long"  # pragma: allowlist secret
EMAIL = "owner@drill.example"


def backends() -> list[str]:
    names = ("CCGPT_TEST_DATABASE_URL", "CCGPT_TEST_CHROMA_URL")
    return ["embedded", *(["production"] if all(os.environ.get(n) for n in names) else [])]


@pytest.fixture(params=backends())
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {
        "CCGPT_DATA_DIR": str(tmp_path / "data"),
        "CCGPT_BACKUP_TARGET": str(tmp_path / "backups"),
        "CCGPT_BACKUP_ENCRYPTION_KEY": crypto.generate_key(),
        "CCGPT_LOG_LEVEL": "WARNING",
        "CCGPT_BACKEND_LABEL": request.param,
    }
    if request.param == "embedded":
        yield env
        return
    admin_url = Settings(DATABASE_URL=os.environ["CCGPT_TEST_DATABASE_URL"]).resolved_database_url
    name = f"ccgpt_drill_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin_url.rpartition("/")[0]
    env |= {"DATABASE_URL": f"{base}/{name}", "CHROMA_URL": os.environ["CCGPT_TEST_CHROMA_URL"]}
    try:
        yield env
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ccgpt(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CCGPT_") and k not in ("DATABASE_URL", "REDIS_URL", "CHROMA_URL")
    }
    completed = subprocess.run(
        [str(CCGPT), *args],
        env=inherited | env | {"COLUMNS": "250"},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def field(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    assert found is not None, output
    return found.group(1)


def ask_all(url: str, key: str) -> list[dict[str, Any]]:
    replies = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        for question in QUESTIONS:
            response = c.post("/api/v1/chat", json={"message": question})
            assert response.status_code == 200, response.text
            body = response.json()
            replies.append(
                {
                    "answer": body["answer"],
                    "decision": body["decision"],
                    "citations": [(x["document_id"], x["chunk_id"]) for x in body["citations"]],
                }
            )
    return replies


def sign_in(url: str) -> None:
    response = httpx.post(
        f"{url}/api/v1/auth/sign-in", json={"email": EMAIL, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = httpx.get(f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["email"] == EMAIL


def database_url(env: dict[str, str]) -> str:
    if "DATABASE_URL" in env:
        return Settings(DATABASE_URL=env["DATABASE_URL"]).resolved_database_url
    return Settings(data_dir=Path(env["CCGPT_DATA_DIR"])).resolved_database_url


def conversations(env: dict[str, str]) -> int:
    engine = create_engine(database_url(env))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM conversations")).scalar_one())
    finally:
        engine.dispose()


def destroy(env: dict[str, str], workspace_id: str) -> None:
    """Everything the deployment had: the data directory, the database, the vectors."""
    shutil.rmtree(env["CCGPT_DATA_DIR"])
    if "DATABASE_URL" not in env:
        return
    base, _, name = database_url(env).rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # an empty one, as a DBA would
    admin.dispose()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(env["CHROMA_URL"].rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    client.delete_collection(f"ws-{workspace_id}")


def test_restore_drill(environment: dict[str, str], tmp_path: Path) -> None:
    env = environment
    label = env.pop("CCGPT_BACKEND_LABEL")
    workspace_id = field(r"workspace_id: (\S+)", ccgpt(env, "workspace", "create", "Lumen"))
    ccgpt(env, "ingest", "-w", workspace_id, str(CONTENT_DIR))
    api_key = field(
        r"api_key: (\S+)", ccgpt(env, "apikey", "create", "-w", workspace_id, "--name", "drill")
    )
    ccgpt(env, "user", "create", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    with ccgpt_serve(env) as url:
        before = ask_all(url, api_key)
        sign_in(url)
    assert sum(r["decision"] == "answered" for r in before) >= len(QUESTIONS) // 2
    conversations_at_backup = conversations(env)

    started = time.monotonic()
    created = ccgpt(env, "backup", "create")
    backup_seconds = time.monotonic() - started
    backup_id = field(r"backup: (ccgpt-\S+)", created)
    archive_bytes = sum(p.stat().st_size for p in Path(env["CCGPT_BACKUP_TARGET"]).iterdir())
    with ccgpt_serve(env) as url:  # a write after the backup: the RPO's loss
        ask_all(url, api_key)
    assert conversations(env) > conversations_at_backup

    destroy(env, workspace_id)
    started = time.monotonic()
    restored = ccgpt(env, "backup", "restore", backup_id).strip()
    restore_seconds = time.monotonic() - started
    with ccgpt_serve(env) as url:
        rto_seconds = time.monotonic() - started
        conversations_restored = conversations(env)
        after = ask_all(url, api_key)
        sign_in(url)
    assert conversations_restored == conversations_at_backup
    assert after == before

    listed = ccgpt(env, "backup", "list")
    verify_started = time.monotonic()
    ccgpt(env, "backup", "verify", backup_id)
    verify_seconds = time.monotonic() - verify_started
    print(
        f"\ndrill[{label}]: {len(list(CONTENT_DIR.iterdir()))} documents, "
        f"{conversations_at_backup} conversations, archive {archive_bytes / 1e6:.2f} MB "
        f"({created.splitlines()[-1].strip()})\n"
        f"drill[{label}]: backup {backup_seconds:.1f} s -> RPO = backup interval + "
        f"{backup_seconds:.1f} s; restore {restore_seconds:.1f} s ({restored}), "
        f"RTO (restore + serve ready) {rto_seconds:.1f} s; verify {verify_seconds:.1f} s\n"
        f"{listed}"
    )
