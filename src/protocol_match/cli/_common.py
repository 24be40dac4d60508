"""What every command shares: the store option and path, one-line errors, read options,
the progress bar and atomic ``--out`` files."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import ProtocolMatchError

FORMATS_COMPARE = ("table", "json", "html", "md")
STORE_HELP = "Store directory (default: $PROTOCOL_MATCH_STORE or ./embeddings)."


class State:
    """The group's options, handed to every command as ``ctx.obj``."""

    def __init__(self, store: Path | None, quiet: bool, verbose: int) -> None:
        self.store = store
        self.quiet = quiet
        self.verbose = verbose

    def console(self, stderr: bool = False):  # noqa: ANN201 - rich Console, imported lazily
        from rich.console import Console

        return Console(stderr=stderr, quiet=self.quiet and stderr)


def store_option(f: Callable) -> Callable:
    """A command's own ``--store`` option."""
    return click.option(
        "--store",
        "store",
        type=click.Path(path_type=Path),
        default=None,
        help=STORE_HELP,
    )(f)


def store_path(ctx: click.Context, store: Path | None) -> Path:
    """The store a command works on: its ``--store``, the group's, or the default."""
    from ..corpus import default_store_path

    return store or ctx.obj.store or default_store_path()


@contextmanager
def errors() -> Iterator[None]:
    """Turn expected failures into one line on stderr and a non-zero exit."""
    try:
        yield
    except ProtocolMatchError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except (ValueError, OSError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:
        click.echo(
            f"Error: the store database is damaged ({exc}); run `protocol-match check`, then "
            "restore it from a backup or index into a new --store.",
            err=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted; everything committed so far is kept.", err=True)
        sys.exit(130)
    except Exception as exc:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (run with -vv for the traceback "
            "and please report it)",
            err=True,
        )
        sys.exit(1)


min_support_option = click.option(
    "--min-support", type=int, default=None, help="Stories a template needs (default 3)."
)
threshold_option = click.option(
    "--threshold", type=float, default=None, help="Match score threshold (0-1)."
)
# embed.BACKENDS, written out so that --help never imports the embed package
# (tests/test_cli.py checks that the two agree).
BACKEND_CHOICE = click.Choice(["torch", "static", "onnx-int8"])
address_option = click.option(
    "--address",
    default=None,
    help="Ray cluster for --engine ray: auto, or ray://HOST:10001 (default: start a local one).",
)


def read_options(f: Callable) -> Callable:
    """The options of ``read_articles`` (columns of JSONL/CSV, encoding)."""
    opts = [
        click.option(
            "--text-column", default="text", show_default=True, help="JSONL/CSV text field."
        ),
        click.option("--id-column", default="id", show_default=True, help="JSONL/CSV id field."),
        click.option("--date-column", default="date", show_default=True, help="Date field."),
        click.option("--source-column", default="source", show_default=True, help="Outlet field."),
        click.option("--title-column", default="title", show_default=True, help="Title field."),
        click.option(
            "--encoding", default="utf-8", show_default=True, help="Text encoding of inputs."
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def read_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    """Take the read options out of a command's keyword arguments."""
    keys = ("text_column", "id_column", "date_column", "source_column", "title_column", "encoding")
    return {k: kw.pop(k) for k in keys}


@contextmanager
def progress_bar(
    console: Any, label: str, unit: str, total: int | None = None
) -> Iterator[Callable[[int], None]]:
    """A progress bar with count, rate and ETA on a terminal; nothing when piped or quiet."""
    if console.quiet or not console.is_terminal:
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn(f"{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TaskProgressColumn(show_speed=True),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def write_output(text: str, out: Path | None) -> None:
    """Print, or write ``out`` atomically (temp file in the same folder, then rename)."""
    if out is None:
        click.echo(text)
        return
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; name a file.")
    from ..store import atomic_file

    with atomic_file(out) as fh:
        fh.write(text)


def note_first_build(corpus: Any, console: Any) -> None:
    """Say so when the store's fast model is about to be built (once per machine)."""
    embedder = corpus.embedder
    is_built = getattr(embedder, "is_built", None)
    if is_built is not None and not is_built():
        console.print(
            f"First use on this machine: building the {corpus.store.meta.backend} model from "
            "the bundled MiniLM (once, about 20 s; cached for every later run)."
        )
