"""The live commands: ``serve`` (the local web app) and ``watch`` (a folder or stdin as it
arrives). Both import their packages inside the command, so ``--help`` stays fast."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

from ._common import BACKEND_CHOICE, errors, read_kwargs, read_options, store_option, store_path


def register(group: click.Group) -> None:
    group.add_command(serve)
    group.add_command(watch)


@click.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free one).")
@click.option(
    "--token",
    default=None,
    envvar="PROTOCOL_MATCH_TOKEN",
    help="Access token (env PROTOCOL_MATCH_TOKEN). Needed for any host other than "
    "127.0.0.1/localhost; generated and printed when not given.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 8),
    default=2,
    show_default=True,
    help="Processes that compare articles (each holds its own copy of the indexes; 0: "
    "compare on the app's threads).",
)
@click.option(
    "--no-backfill",
    is_flag=True,
    help="Do not compare older articles in the background to fill the list's novelty column.",
)
@click.pass_context
def serve(ctx: click.Context, store: Path | None, **kw: Any) -> None:
    """Serve the store as a local web app: articles, compare views, templates, teaching,
    the review queue and the live list of arrivals, with JSON endpoints (/api/docs).

    Binds 127.0.0.1 by default. Any other --host needs a token: every request must carry
    it (the printed URL sets a cookie). Changes (labels, verdicts, adding articles) always
    need the token and come from the app's own pages only.
    """
    with errors():
        from ..serve import ServeSettings, run_server

        settings = ServeSettings.make(
            store=store_path(ctx, store),
            host=kw["host"],
            port=kw["port"],
            token=kw["token"],
            workers=kw["workers"],
            backfill=not kw["no_backfill"],
        )
        run_server(settings, note=lambda msg: click.echo(msg, err=True))


@click.command()
@click.argument("source")
@store_option
@click.option(
    "--alert-novelty",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Print only articles at least this novel (template events are always printed).",
)
@click.option("--min-support", type=int, default=None, help="Stories a template needs.")
@click.option(
    "--mine-every",
    type=int,
    default=50,
    show_default=True,
    help="Mine templates again after this many new articles, when idle (0: never).",
)
@click.option(
    "--backend",
    type=BACKEND_CHOICE,
    default=None,
    help="Model backend when watch creates a new store.",
)
@read_options
@click.pass_context
def watch(ctx: click.Context, source: str, store: Path | None, **kw: Any) -> None:
    """Index articles as they arrive in SOURCE (a folder, or - for JSON Lines on stdin) and
    print one JSON line per event: each article compared (novelty, counts, nearest earlier
    article, same-story group), a new template, a template's wording drifting.

    Files already in the folder are taken first; a kill at any moment loses nothing and a
    restart reports nothing twice. Ctrl-C stops.
    """
    from ..corpus import Corpus
    from ..watch import Arrivals, FolderWatch, WatchSettings, watch_stream

    read = read_kwargs(kw)
    note = lambda msg: click.echo(msg, err=True)  # noqa: E731
    with errors():
        if kw["min_support"] is not None and kw["min_support"] < 2:
            raise ValueError("--min-support must be at least 2")
        folder = None if source == "-" else Path(source)
        if folder is not None and not folder.is_dir():
            raise ValueError(f"{source} is not a folder; watch takes a folder or - (stdin)")
        settings = WatchSettings(
            alert_novelty=kw["alert_novelty"],
            min_support=kw["min_support"],
            mine_every=kw["mine_every"],
        )
        with Corpus.open(store_path(ctx, store), create=True, backend=kw["backend"]) as corpus:
            arrivals = Arrivals(corpus, settings)
            if corpus.store.count("article"):
                arrivals.warm()
            if folder is None:
                n = watch_stream(arrivals, sys.stdin, _print_event, note)
                note(f"stdin ended: {n} lines taken in.")
                return
            fw = FolderWatch(arrivals, folder, _print_event, note, read)
            signal.signal(signal.SIGTERM, lambda *_: fw.stop.set())
            note(f"Watching {folder} into {corpus.store.path}; Ctrl-C to stop.")
            try:
                fw.run()
            except KeyboardInterrupt:
                fw.stop.set()
            note("Stopped; everything taken in so far is kept.")


def _print_event(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()
