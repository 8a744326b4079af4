"""``ccgpt backup``: create, list, verify, restore and prune backups
(docs/BACKUP_DISASTER_RECOVERY_GUIDE.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich import box
from rich.table import Table

from customercare.cli.context import app_errors, console, fail, settings

if TYPE_CHECKING:
    from customercare.backup.service import Stores

app = typer.Typer(help="Backups and disaster recovery.", no_args_is_help=True)

TargetOption = typer.Option(
    None,
    "--target",
    "-t",
    help="A directory or s3://bucket/prefix (default: CCGPT_BACKUP_TARGET or <data dir>/backups).",
)
BackupId = typer.Argument(..., help="The backup's id (from `ccgpt backup list`).")


def _stores(target: str | None) -> Stores:
    from customercare.backup import service as backup
    from customercare.observability.logging import configure_logging

    current = settings()
    configure_logging(level="WARNING", json=current.log_json)
    return backup.stores_from_settings(current, target=target)


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


@app.command("create")
def create(target: str | None = TargetOption) -> None:
    """Back up the database, the vectors and the uploads into one archive."""
    from customercare.backup import service as backup
    from customercare.ids import utcnow

    with app_errors():
        stores = _stores(target)
        entry, manifest = backup.create_backup(stores, now=utcnow())
    rows = sum(manifest.tables.values())
    vectors = sum(manifest.collections.values())
    console.print(f"backup: {entry.id}", highlight=False)
    console.print(
        f"{_size(entry.size)}{' encrypted' if entry.encrypted else ''}, {rows} rows in "
        f"{len(manifest.tables)} tables, {vectors} vectors in {len(manifest.collections)} "
        f"collections, {manifest.uploads.get('count', 0)} uploads, revision {entry.revision}, "
        f"{manifest.seconds['total']:.2f} s -> {stores.target.describe()}",
        highlight=False,
    )
    missing = sum(len(ids) for ids in manifest.vectors_missing.values())
    if missing:
        console.print(f"[yellow]warning:[/yellow] {missing} chunks had no vector (re-index them)")


@app.command("list")
def list_(target: str | None = TargetOption) -> None:
    """List the backups in the target, newest first."""
    from customercare.backup import service as backup

    with app_errors():
        stores = _stores(target)
        entries = backup.list_backups(stores.target)
    table = Table("id", "created (UTC)", "size", "encrypted", "database", box=box.SIMPLE_HEAD)
    table.columns[0].no_wrap = True  # an id on one line, ready to copy
    for entry in entries:
        table.add_row(
            entry.id,
            entry.created.strftime("%Y-%m-%d %H:%M:%S"),
            _size(entry.size),
            "yes" if entry.encrypted else "no",
            f"{entry.dialect} {entry.revision}",
        )
    console.print(table)
    console.print(f"{len(entries)} backups in {stores.target.describe()}", highlight=False)


@app.command("verify")
def verify(backup_id: str = BackupId, target: str | None = TargetOption) -> None:
    """Check the checksums, restore into a scratch database and compare with the manifest."""
    from customercare.backup import service as backup

    with app_errors():
        report = backup.verify_backup(_stores(target), backup_id)
    for problem in report.problems:
        console.print(f"[red]mismatch:[/red] {problem}", highlight=False)
    if not report.ok:
        raise fail(f"{backup_id} does not match its manifest")
    manifest = report.manifest
    console.print(
        f"{backup_id}: ok ({len(manifest.members)} members checksummed, "
        f"{len(manifest.tables)} tables and {len(manifest.collections)} collections counted "
        f"in a scratch restore, {sum(report.seconds.values()):.2f} s)",
        highlight=False,
    )


@app.command("restore")
def restore(
    backup_id: str = BackupId,
    target: str | None = TargetOption,
    force: bool = typer.Option(False, "--force", help="Replace a target that holds data."),
) -> None:
    """Restore a backup into the configured database and vector store (stop the service
    first). All or nothing: a failure leaves the target as it was."""
    from customercare.backup import service as backup

    with app_errors():
        report = backup.restore_backup(_stores(target), backup_id, force=force)
    console.print(
        f"restored {backup_id}: {sum(report.manifest.tables.values())} rows, "
        f"{sum(report.manifest.collections.values())} vectors "
        f"({sum(report.seconds.values()):.2f} s)",
        highlight=False,
    )
    if report.migrated_to:
        console.print(f"migrated to {report.migrated_to}", highlight=False)


@app.command("prune")
def prune(
    target: str | None = TargetOption,
    keep_daily: int | None = typer.Option(None, help="Default: CCGPT_BACKUP_KEEP_DAILY (7)."),
    keep_weekly: int | None = typer.Option(None, help="Default: CCGPT_BACKUP_KEEP_WEEKLY (4)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be deleted."),
) -> None:
    """Delete the backups the retention policy does not keep."""
    from customercare.backup import service as backup

    current = settings()
    daily = current.backup_keep_daily if keep_daily is None else keep_daily
    weekly = current.backup_keep_weekly if keep_weekly is None else keep_weekly
    with app_errors():
        stores = _stores(target)
        report = backup.prune_backups(stores.target, daily=daily, weekly=weekly, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for entry in report.deleted:
        console.print(f"{verb} {entry.id}", highlight=False)
    console.print(f"kept {len(report.kept)}, {verb} {len(report.deleted)}", highlight=False)


@app.command("generate-key")
def generate_key() -> None:
    """Print a new encryption key for CCGPT_BACKUP_ENCRYPTION_KEY (keep it apart from the
    backups: without it an encrypted backup cannot be restored)."""
    from customercare.backup import service as backup

    console.print(backup.generate_key(), highlight=False)
