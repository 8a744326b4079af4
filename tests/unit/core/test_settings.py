"""Settings: database URL normalisation, the embedded default and the production variables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from customercare.settings import Settings, normalise_database_url

SERVER_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CHROMA_URL",
    "CCGPT_DATABASE_URL",
    "CCGPT_REDIS_URL",
    "CCGPT_CHROMA_URL",
    "CCGPT_DATA_DIR",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file of the developer's is read


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/cc", "postgresql+psycopg://u:p@db:5432/cc"),
        ("postgresql://u:p@db:5432/cc", "postgresql+psycopg://u:p@db:5432/cc"),
        ("postgresql://db/cc?sslmode=require", "postgresql+psycopg://db/cc?sslmode=require"),
        ("postgresql+psycopg://u@db/cc", "postgresql+psycopg://u@db/cc"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_are_normalised_for_psycopg(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
    assert Settings(DATABASE_URL=url).resolved_database_url == expected


def test_default_database_is_a_sqlite_file_under_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url is None
    expected = (tmp_path / "data" / "customercare.db").resolve()
    assert settings.resolved_database_url == f"sqlite:///{expected}"
    assert settings.chroma_path == tmp_path / "data" / "chroma"
    assert settings.redis_url is None
    assert settings.chroma_url is None


def test_relative_data_dir_gives_an_absolute_sqlite_path(tmp_path: Path) -> None:
    url = Settings(data_dir=Path("relative")).resolved_database_url
    assert url == f"sqlite:///{(tmp_path / 'relative' / 'customercare.db').resolve()}"


def test_data_dir_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CCGPT_DATA_DIR", str(tmp_path / "elsewhere"))
    settings = Settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.resolved_database_url.endswith("/elsewhere/customercare.db")


def test_server_urls_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.internal:5432/care")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("CHROMA_URL", "http://vectors.internal:8000")
    settings = Settings()
    assert settings.database_url == "postgres://app:secret@db.internal:5432/care"
    assert settings.resolved_database_url == "postgresql+psycopg://app:secret@db.internal:5432/care"
    assert settings.redis_url == "redis://cache.internal:6379/2"
    assert settings.chroma_url == "http://vectors.internal:8000"


def test_prefixed_server_urls_are_read_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCGPT_DATABASE_URL", "postgresql://db/care")
    monkeypatch.setenv("CCGPT_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("CCGPT_CHROMA_URL", "http://vectors:8000")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql+psycopg://db/care"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.chroma_url == "http://vectors:8000"


def test_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REDIS_URL=redis://from-dotenv:6379/0\nCCGPT_MAX_PAGES=7\n")
    settings = Settings()
    assert settings.redis_url == "redis://from-dotenv:6379/0"
    assert settings.max_pages == 7


def test_prefixed_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCGPT_CRAWL_MAX_PAGES", "12")
    monkeypatch.setenv("CCGPT_CRAWL_ALLOW_PRIVATE_ADDRESSES", "true")
    settings = Settings()
    assert settings.crawl_max_pages == 12
    assert settings.crawl_allow_private_addresses is True


def test_private_addresses_are_not_crawled_by_default() -> None:
    assert Settings().crawl_allow_private_addresses is False


def test_the_default_data_dir_is_the_users_not_the_working_directorys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg" / "customercare"
    assert settings.data_dir.is_absolute()
    monkeypatch.chdir(tmp_path / "..")
    assert Settings().data_dir == settings.data_dir  # the same from any folder


def test_the_test_session_never_points_at_the_real_home() -> None:
    # tests/conftest.py sets a scratch CCGPT_DATA_DIR and XDG_DATA_HOME for the whole run.
    # (This module's fixture removes CCGPT_DATA_DIR, so the default is what is checked.)
    home = Path.home().resolve()
    assert home not in Path(os.environ["XDG_DATA_HOME"]).resolve().parents
    assert home not in Settings().data_dir.resolve().parents
