"""CLI commands ``check`` and ``rebuild`` (store health), registered on the main group."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import errors, store_path


def register(group: click.Group) -> None:
    """Add ``check`` and ``rebuild`` to the ``protocol-match`` command group."""
    group.add_command(check)
    group.add_command(rebuild)


@click.command()
@click.option("--store", type=click.Path(path_type=Path), default=None, help="Store directory.")
@click.option("--deep", is_flag=True, help="Also re-hash every passage's text (reads all text).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def check(ctx: click.Context, store: Path | None, deep: bool, fmt: str) -> None:
    """Check the store's health: exit 0 when healthy, 1 when something is damaged.

    Warnings (an index file that lags behind after a crash) are repaired on next use.
    """
    from ..store import check_store

    with errors():
        report = check_store(store_path(ctx, store), deep=deep)
        if fmt == "json":
            import json
            from dataclasses import asdict

            data = asdict(report) | {"healthy": report.healthy}
            click.echo(json.dumps(data, indent=2))
        else:
            if report.articles >= 0:
                click.echo(
                    f"{report.path}: {report.articles} articles, {report.paragraphs} "
                    f"paragraphs, {report.sentences} sentences, {report.vectors} vectors"
                )
            else:
                click.echo(f"{report.path}: contents unreadable")
            for issue in report.issues:
                click.echo(f"{issue.severity.upper()}: {issue.where}: {issue.message}")
            if report.healthy:
                click.echo(
                    "healthy" + (" (warnings are repaired on next use)" * bool(report.issues))
                )
            else:
                click.echo("damaged: run `protocol-match rebuild` to repair what is intact")
    sys.exit(0 if report.healthy else 1)


@click.command()
@click.option("--store", type=click.Path(path_type=Path), default=None, help="Store directory.")
@click.option(
    "--embed-missing",
    is_flag=True,
    help="Re-embed passages whose vectors were lost (loads the model) instead of removing "
    "their articles.",
)
@click.option("--no-wait", is_flag=True, help="Fail at once if another process is writing.")
@click.pass_context
def rebuild(ctx: click.Context, store: Path | None, embed_missing: bool, no_wait: bool) -> None:
    """Rebuild the store's indexes from its stored vectors (no re-embedding).

    Articles whose passage vectors were lost are removed and listed so they can be indexed
    again, unless --embed-missing is given.
    """
    from ..store import check_store, rebuild_store

    with errors():
        path = store_path(ctx, store)
        embedder = None
        if embed_missing:
            from ..corpus import Corpus

            with Corpus.open(path) as corpus:
                embedder = corpus.embedder
        done = rebuild_store(path, embedder=embedder, wait=not no_wait)
        sizes = ", ".join(f"{level} {n}" for level, n in done.indexes.items())
        click.echo(f"Rebuilt indexes: {sizes} vectors.", err=True)
        for what, n in (
            ("bad vector rows deleted", done.bad_vectors),
            ("orphan passages deleted", done.orphan_passages),
            ("passage vectors re-embedded", done.embedded),
            ("article vectors recomputed", done.doc_vectors),
        ):
            if n:
                click.echo(f"{n} {what}.", err=True)
        if done.removed_articles:
            where = ", ".join(done.removed_origins[:10]) or "their sources"
            click.echo(
                f"Removed {len(done.removed_articles)} articles whose vectors were lost; index "
                f"them again from: {where}",
                err=True,
            )
        if done.templates_reset:
            click.echo("Templates will be mined again on next use.", err=True)
        report = check_store(path)
        if not report.healthy:
            for issue in report.issues:
                click.echo(f"{issue.severity.upper()}: {issue.where}: {issue.message}", err=True)
            sys.exit(1)
