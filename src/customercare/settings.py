"""All configuration, read once from the environment (prefix ``CCGPT_``) or a ``.env`` file.

The embedded default needs nothing: a SQLite file and an embedded Chroma under ``data_dir``
(one per user: the platform's user data directory, e.g. ``~/.local/share/customercare`` on
Linux, whatever the current directory; ``CCGPT_DATA_DIR`` overrides it), in-process jobs.
Setting ``DATABASE_URL``, ``REDIS_URL`` or ``CHROMA_URL`` switches each part to its production
server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

AnswerProviderKind = Literal["offline", "openai_compatible"]

EmbedderKind = Literal[
    "onnx",
    "sentence_transformers",
    "openai_compatible",
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CCGPT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CCGPT_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "CCGPT_REDIS_URL")
    )
    chroma_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_URL", "CCGPT_CHROMA_URL")
    )
    # `ccgpt ask` and `ccgpt chat` through a running server's HTTP API (its base URL, and a
    # workspace API key allowed to chat) instead of loading the model in the command.
    api_url: str | None = None
    api_key: SecretStr | None = None
    log_level: str = "INFO"
    log_json: bool = False

    # Ingestion limits (docs/limits.md): a file over max_upload_bytes or with more pages is
    # refused; so is one whose extracted text, CSV rows or passages (chunks) exceed these.
    # A workspace's plan may set lower ones (plans.toml); the lower of the two applies.
    max_upload_bytes: int = 20 * 1024 * 1024
    max_pages: int = 500
    max_extracted_chars: int = Field(default=5_000_000, ge=1)
    max_csv_rows: int = Field(default=5_000, ge=1)
    max_passages_per_document: int = Field(default=5_000, ge=1)
    # Passages embedded (and their vectors upserted) per step of an ingestion job: bounds
    # the memory of a job and how long a shutdown waits for it.
    ingestion_embed_batch_passages: int = Field(default=16, ge=1)
    chunk_size_words: int = 180
    chunk_overlap_words: int = 40

    # Web sources: crawled within the start URL's host only.
    crawl_max_pages: int = 50
    crawl_max_bytes_per_page: int = 2 * 1024 * 1024
    crawl_max_total_bytes: int = 20 * 1024 * 1024
    crawl_timeout_seconds: float = 10.0
    crawl_user_agent: str = "CustomerCareGPT-crawler/0.1"
    # Off by default: a tenant must not make the server fetch its own private network (SSRF).
    crawl_allow_private_addresses: bool = False

    # Dense embeddings.
    embedder: EmbedderKind = "onnx"
    embedding_model_dir: Path | None = None
    embedding_model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    # Shared by every data directory so the model is fetched once per machine.
    model_cache_dir: Path = Field(default_factory=lambda: default_cache_dir() / "models")
    embedding_batch_size: int = 32
    embedding_max_tokens: int = 256
    embedding_api_base: str | None = None
    embedding_api_key: str | None = None
    embedding_api_model: str = "text-embedding-3-small"
    embedding_threads: int = 0

    # Retrieval.
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    # Convex combination of normalised scores beat RRF on SciFact (docs/performance.md).
    fusion: Literal["rrf", "convex"] = "convex"
    convex_keyword_weight: float = 0.5
    rrf_k: int = 60
    keyword_weight: float = 1.0
    dense_weight: float = 1.0
    candidates_per_retriever: int = 100
    default_search_limit: int = 10

    # Answers. "offline" composes a cited answer from the retrieved sentences and needs no key;
    # "openai_compatible" calls any chat-completions endpoint and falls back to offline on failure.
    answer_provider: AnswerProviderKind = "offline"
    llm_base_url: str = "https://api.openai.com/v1"
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_temperature: float = 0.1
    llm_max_tokens: int = 512
    llm_timeout_seconds: float = 30.0
    # Before the first token only: a stream that has begun is never replayed.
    llm_max_retries: int = 2
    llm_backoff_seconds: float = 0.5
    # Passages handed to the generator, and how many recent turns shape a follow-up's retrieval.
    answer_passages: int = 5
    answer_history_turns: int = 6
    # Default evidence threshold (0..1) for answering; each workspace may set its own.
    answer_threshold: float = 0.45
    # The evidence model (see answers/evidence.py), fitted on the demo answer set.
    evidence_bias: float = -6.341
    evidence_dense_weight: float = 11.598
    evidence_gap_weight: float = 10.253

    # Accounts and tokens. Without CCGPT_SECRET_KEY a random key is created once in data_dir
    # (fine for one machine; set it in production so every API process shares it).
    secret_key: SecretStr | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    public_url: str = "http://127.0.0.1:8000"
    # /metrics: with a token, Prometheus sends ``Authorization: Bearer <token>``; without one,
    # only a direct loopback client (no proxy in between) may read it (docs/operations.md).
    metrics_token: SecretStr | None = None
    # The deployed git revision, reported by /api/v1/health/detailed (releases set it; a
    # checkout reports its HEAD).
    git_revision: str | None = None
    # Proxies whose X-Forwarded-For / -Proto the API trusts (comma-separated IPs or CIDRs,
    # "*" for any): behind nginx the peer is nginx, and rate limits need the customer's IP.
    # uvicorn's own FORWARDED_ALLOW_IPS is accepted too.
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("CCGPT_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"),
    )

    # Accounts
    # Argon2id cost: the defaults are RFC 9106's second recommendation (64 MiB, 3 passes).
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 64 * 1024  # KiB
    argon2_parallelism: int = 4
    # Hashes at once per process: each takes argon2_memory_cost KiB.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    email_verification_hours: int = 24
    password_reset_minutes: int = 30
    # Sign-in throttling (fixed windows, failures only).
    signin_window_seconds: int = 15 * 60
    signin_max_failures_per_account: int = 5
    signin_max_failures_per_ip: int = 20
    # Outgoing mail: without smtp_host, mails are only logged (never their links or tokens).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "CustomerCareGPT <no-reply@localhost>"

    # Jobs.
    job_max_retries: int = 3
    # Jobs run at once by one process: the embedded queue's threads (one workspace uses at
    # most all but one of them) and `ccgpt worker`'s default --threads.
    worker_threads: int = Field(default=2, ge=1)
    # How long the embedded queue waits at shutdown for running jobs to reach a checkpoint;
    # queued and interrupted jobs resume at the next start.
    job_shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    job_heartbeat_timeout_ms: int = 60_000
    job_queue_name: str = "ccgpt-ingestion"
    # Faults (docs/architecture.md, "Faults"): with Redis, `ccgpt worker` re-queues documents
    # pending or processing unchanged for job_stale_seconds (a lost enqueue, Redis restarted
    # empty), at start and every job_sweep_interval_seconds. The API process gives a question
    # still without an answer after answer_repair_after_seconds (its answer could not be
    # stored) a failed answer, at start and every answer_repair_interval_seconds.
    job_stale_seconds: float = Field(default=600.0, gt=0)
    job_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    answer_repair_after_seconds: float = Field(default=600.0, gt=0)
    answer_repair_interval_seconds: float = Field(default=60.0, gt=0)

    # Limits (docs/limits.md). Rate limits: requests per fixed window (60 s unless
    # rate_limit_window_seconds says otherwise) per client IP, secret API key, widget key (per
    # visitor IP) and signed-in user; 0 disables one. Counted in Redis when REDIS_URL is set.
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_per_ip_per_minute: int = Field(default=300, ge=0)
    rate_limit_per_api_key_per_minute: int = Field(default=120, ge=0)
    rate_limit_per_widget_key_per_minute: int = Field(default=30, ge=0)
    rate_limit_per_user_per_minute: int = Field(default=240, ge=0)
    # Plan quotas: a TOML file of plans (None: the one shipped in limits/plans.toml).
    plans_file: Path | None = None
    quotas_enabled: bool = True

    # Security (docs/security.md). Origins that may call every route from a browser (the
    # dashboard); widget origins come from each workspace's allowed_domains.
    cors_origins: list[str] = Field(default_factory=list)
    # Trust X-Forwarded-Proto (for HSTS) only behind a proxy that sets it.
    trust_proxy_headers: bool = False
    invitation_days: int = Field(default=7, ge=1)

    # Backups (docs/BACKUP_DISASTER_RECOVERY_GUIDE.md): where `ccgpt backup` keeps archives (a
    # directory, or s3://bucket/prefix; default <data_dir>/backups, which a lost disk takes
    # with it: point it elsewhere in production), the Fernet key(s) that encrypt them
    # (comma-separated: the first encrypts, any decrypts, for rotation), and what prune keeps.
    backup_target: str | None = None
    backup_encryption_key: SecretStr | None = None
    backup_keep_daily: int = Field(default=7, ge=0)
    backup_keep_weekly: int = Field(default=4, ge=0)
    # An S3-compatible target: endpoint (None: AWS), region and credentials (None: boto3's
    # own chain, e.g. an instance role).
    backup_s3_endpoint_url: str | None = None
    backup_s3_region: str | None = None
    backup_s3_access_key_id: str | None = None
    backup_s3_secret_access_key: SecretStr | None = None

    # Status monitor (docs/status-page.md): the checks file, and the notifiers' secrets
    # (never in the checks file). The GitHub repository is "owner/name".
    status_checks_file: Path = Path("deploy/status/checks.toml")
    status_slack_webhook_url: SecretStr | None = None
    status_github_token: SecretStr | None = None
    status_github_repository: str | None = None
    status_github_api_url: str = "https://api.github.com"

    # Deployments (docs/deployment.md). The release this process runs (set by the deployer in
    # each slot, answered in the X-CCGPT-Version header), where `ccgpt deploy` keeps each
    # environment (default <data_dir>/deploy/<env>), the smoke test's workspace key and
    # questions, and the timeouts and thresholds of one deploy.
    release_version: str = "dev"
    deploy_root: Path | None = None
    deploy_smoke_api_key: SecretStr | None = None
    deploy_smoke_question: str = "How long does delivery take?"
    deploy_smoke_refusal_question: str = "What is the airspeed of an unladen swallow?"
    deploy_ready_timeout_seconds: float = Field(default=60, gt=0)
    deploy_drain_timeout_seconds: float = Field(default=30, gt=0)
    deploy_watch_seconds: float = Field(default=300, ge=0)
    deploy_max_error_rate: float = Field(default=0.01, ge=0, le=1)
    deploy_max_p95_seconds: float = Field(default=2.0, gt=0)
    # Fault switches for the deployment tests (docs/deployment.md, "Failing on purpose"):
    # a release that never becomes ready, and one whose chat routes answer 500. Never set
    # them in production.
    fault_never_ready: bool = False
    fault_chat_5xx: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'customercare.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def resolved_backup_target(self) -> str:
        return self.backup_target or str(self.data_dir / "backups")

    def resolved_deploy_root(self, environment: str) -> Path:
        return (self.deploy_root or self.data_dir / "deploy") / environment


def default_data_dir() -> Path:
    """The user's data directory for the application (XDG_DATA_HOME is honoured on Linux)."""
    return Path(platformdirs.user_data_dir("customercare", appauthor=False))


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("customercare", appauthor=False))


def normalise_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://``; drive them with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
