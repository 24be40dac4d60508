"""Command line: parse → call the library → print. No algorithm lives here."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ProtocolMatchError

FORMATS_COMPARE = ("table", "json", "html", "md")
STORE_HELP = "Store directory (default: $PROTOCOL_MATCH_STORE or ./embeddings)."


class _State:
    def __init__(self, store: Path | None, quiet: bool, verbose: int) -> None:
        self.store = store
        self.quiet = quiet
        self.verbose = verbose

    def console(self, stderr: bool = False):  # noqa: ANN201 - rich Console, imported lazily
        from rich.console import Console

        return Console(stderr=stderr, quiet=self.quiet and stderr)


def _store_option(f: Callable) -> Callable:
    return click.option(
        "--store",
        "store",
        type=click.Path(path_type=Path),
        default=None,
        help=STORE_HELP,
    )(f)


def _store_path(ctx: click.Context, store: Path | None) -> Path:
    from .corpus import default_store_path

    return store or ctx.obj.store or default_store_path()


@contextmanager
def _errors() -> Iterator[None]:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="protocol-match")
@click.option("--store", type=click.Path(path_type=Path), default=None, help=STORE_HELP)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summaries on stderr.")
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, store: Path | None, quiet: bool, verbose: int) -> None:
    """Find boilerplate, syndicated copies and novel passages in news articles.

    Build a store with `index`, then `compare` new articles against it.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("faiss").setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ctx.obj = _State(store, quiet, verbose)


_min_support_option = click.option(
    "--min-support", type=int, default=None, help="Stories a template needs (default 3)."
)
_threshold_option = click.option(
    "--threshold", type=float, default=None, help="Match score threshold (0-1)."
)


def _read_options(f: Callable) -> Callable:
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


def _read_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    keys = ("text_column", "id_column", "date_column", "source_column", "title_column", "encoding")
    return {k: kw.pop(k) for k in keys}


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_store_option
@click.option("--model", default=None, help="Local sentence-transformers model directory.")
@click.option(
    "--index",
    "index_kind",
    type=click.Choice(["auto", "flat", "hnsw", "ivf", "ivf-sq8"]),
    default="auto",
    show_default=True,
    help="Index type for a new store (auto picks by size).",
)
@click.option(
    "--backend",
    type=click.Choice(["torch", "static", "onnx-int8"]),
    default=None,
    help="How a new store runs the model: torch (full, default), static (model2vec "
    "distilled from it, ~100x faster), onnx-int8 (~2x). Needs the [fast] extra.",
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip unreadable files/rows (counted) instead of stopping."
)
@_min_support_option
@click.option("--no-mine", is_flag=True, help="Do not mine templates after indexing.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another process is writing.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: read, embed and write index shards on a Ray cluster (pip extra [ray]).",
)
@click.option(
    "--address",
    default=None,
    help="Ray cluster for --engine ray: auto, or ray://HOST:10001 (default: start a local one).",
)
@click.option("--shards", type=int, default=None, help="Index shards to write (--engine ray).")
@_read_options
@click.pass_context
def index(ctx: click.Context, paths: tuple[str, ...], store: Path | None, **kw: Any) -> None:
    """Add articles (files, folders, .jsonl, .csv, or - for stdin) to the store.

    Articles already in the store are skipped, so running it twice adds nothing.
    """
    from .corpus import Corpus

    read = _read_kwargs(kw)
    read["on_error"] = "skip" if kw["skip_bad"] else "raise"
    bad: list[str] = []  # files/rows skipped by --skip-bad, for the summary
    state: _State = ctx.obj
    err = state.console(stderr=True)
    with _errors():
        if kw["engine"] != "ray" and (kw["address"] or kw["shards"] is not None):
            raise ValueError("--address and --shards need --engine ray")
        started = time.perf_counter()
        corpus = Corpus.open(
            _store_path(ctx, store),
            model=kw["model"],
            create=True,
            index_kind=kw["index_kind"],
            backend=kw["backend"],
        )
        with (
            corpus,
            _discard_if_failed(corpus),
            _progress(err, "Indexing", "articles", _count_txt(paths)) as advance,
        ):
            if kw["engine"] == "ray":  # imported only here: a plain index never loads Ray
                from .distributed import RaySettings, index_with_ray

                settings = RaySettings(address=kw["address"], shards=kw["shards"])
                result, mined = index_with_ray(
                    corpus,
                    [Path(p) for p in paths],
                    settings,
                    mine=not kw["no_mine"],
                    min_support=kw["min_support"],
                    progress=lambda _s, n, _t: advance(n),
                    wait=not kw["no_wait"],
                    **read,
                )
            else:
                result = corpus.add(
                    [p if p == "-" else Path(p) for p in paths],
                    progress=lambda _s, n, _t: advance(n),
                    # Small batches: the progress bar moves and an interruption loses little.
                    batch_size=32,
                    wait=not kw["no_wait"],
                    on_skip=lambda exc: bad.append(str(exc)),
                    **read,
                )
                mined = None
                if not kw["no_mine"] and result.added:
                    mined = corpus.templates(min_support=kw["min_support"])
        took = time.perf_counter() - started
        if result.added == 0 and result.skipped:
            err.print(f"Nothing new: all {result.skipped} articles are already in the store.")
        else:
            err.print(
                f"Added {result.added} articles ({result.passages} passages; embedded "
                f"{result.embedded}, cached {result.cached}); skipped {result.skipped} already "
                f"indexed; {took:.1f}s."
            )
        if bad:
            err.print(
                f"Skipped {len(bad)} unreadable file(s)/row(s) (--skip-bad); first: {bad[0]}",
                markup=False,
            )
        if mined is not None:
            err.print(f"{len(mined)} templates mined.")


@contextmanager
def _discard_if_failed(corpus: Any) -> Iterator[None]:
    """A store that this ``index`` created is deleted again if nothing could be added."""
    try:
        yield
    except BaseException:
        corpus.store.discard_if_empty()
        raise


@contextmanager
def _progress(
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


@cli.command()
@click.argument("file")
@_store_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS_COMPARE), default="table", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to FILE.")
@click.option("--add", is_flag=True, help="Also add the article to the store afterwards.")
@_min_support_option
@_threshold_option
@click.option(
    "--level",
    type=click.Choice(["paragraph", "sentence"]),
    default="paragraph",
    show_default=True,
    help="Rows of the table output.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Show per passage the features, model probability and nearest labelled examples "
    "behind its status (table and json).",
)
@_read_options
@click.pass_context
def compare(ctx: click.Context, file: str, store: Path | None, **kw: Any) -> None:
    """Compare an article (FILE, or - for stdin) against the store.

    Every paragraph and sentence is reported as template, reused (copied from a named
    article) or novel, with a novelty score; novel spans inside matches are highlighted.
    """
    from .corpus import Corpus
    from .ingest import read_articles

    read = _read_kwargs(kw)
    with _errors():
        articles = list(read_articles([file], **read))
        if len(articles) != 1:
            raise ValueError(f"{file} holds {len(articles)} articles; compare takes one.")
        with Corpus.open(_store_path(ctx, store)) as corpus:
            from .learn import explaining, last_explanations

            with explaining(corpus) if kw["explain"] else nullcontext():
                report = corpus.compare(
                    articles[0],
                    add=kw["add"],
                    min_support=kw["min_support"],
                    threshold=kw["threshold"],
                )
            templates = corpus.templates(kw["min_support"], kw["threshold"], wait=False)
            notes = last_explanations(corpus, report.article.id) if kw["explain"] else None
        if notes is not None and kw["fmt"] in ("table", "json"):
            from .cli_teach import emit_explained

            emit_explained(ctx.obj, report, notes, kw["fmt"], kw["out"], kw["level"])
            return
        _emit_compare(ctx.obj, report, templates, kw["fmt"], kw["out"], kw["level"])


def _emit_compare(
    state: _State, report: Any, templates: Any, fmt: str, out: Path | None, level: str
) -> None:
    from . import report as rep

    if fmt == "table" and out is None:
        rep.print_compare(report, state.console(), level=level)
        return
    if fmt == "json":
        text = rep.to_json("compare", report)
    elif fmt == "html":
        from .report import render_compare_html

        text = render_compare_html(report, templates=templates)
    elif fmt == "md":
        from .report import render_compare_markdown

        text = render_compare_markdown(report, templates=templates)
    else:
        from rich.console import Console

        console = Console(record=True, width=120, file=open(os.devnull, "w"))  # noqa: SIM115
        rep.print_compare(report, console, level=level)
        text = console.export_text()
    _write(text, out)
    if out is not None:
        state.console(stderr=True).print(f"Wrote {out}")


def _count_txt(paths: tuple[str, ...]) -> int | None:
    """Articles to index when every input is a text file (one article each), else unknown."""
    from .ingest import iter_input_files

    if "-" in paths:
        return None
    try:
        files = list(iter_input_files(paths))
    except ProtocolMatchError:
        return None  # reported properly when the files are read
    if any(f.suffix.lower() in (".jsonl", ".csv") for f in files):
        return None
    return len(files)


def _write(text: str, out: Path | None) -> None:
    """Print, or write ``out`` atomically (temp file in the same folder, then rename)."""
    if out is None:
        click.echo(text)
        return
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; name a file.")
    from .store import atomic_file

    with atomic_file(out) as fh:
        fh.write(text)


@cli.group(invoke_without_command=True)
@_store_option
@_min_support_option
@_threshold_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS_COMPARE), default="table", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to FILE.")
@click.option("--refresh", is_flag=True, help="Mine again even if nothing changed.")
@click.option("--hide-chrome", is_flag=True, help="Leave out page-chrome templates.")
@click.option("--limit", type=int, default=0, help="Show at most N templates (0 = all).")
@click.pass_context
def templates(ctx: click.Context, store: Path | None, **kw: Any) -> None:
    """List the recurring formulas (templates) mined from the store.

    `templates confirm|reject|rename ID` record your verdict on a template (kept across
    re-mining); rejected templates disappear from listings and reports.
    """
    from . import report as rep
    from .corpus import Corpus

    if ctx.invoked_subcommand is not None:
        return
    with _errors():
        with Corpus.open(_store_path(ctx, store)) as corpus:
            found = corpus.templates(kw["min_support"], kw["threshold"], refresh=kw["refresh"])
            from .learn import template_names

            names = template_names(corpus.store, found)
        if kw["hide_chrome"]:
            found = [t for t in found if t.kind != "chrome"]
        if kw["limit"] > 0:
            found = found[: kw["limit"]]
        fmt, out = kw["fmt"], kw["out"]
        if fmt == "table" and out is None:
            rep.print_templates(found, ctx.obj.console())
            for tid, name in sorted(names.items()):
                click.echo(f"T{tid}: {name}")
            return
        if fmt == "json":
            text = rep.to_json("templates", found)
            if names:  # the names you gave templates, as an extra "name" field
                import json

                doc = json.loads(text)
                for item in doc["items"]:
                    item["name"] = names.get(item["id"])
                text = json.dumps(doc, ensure_ascii=False, indent=2)
        elif fmt == "html":
            from .report import render_templates_html

            text = render_templates_html(found)
        elif fmt == "md":
            from .report import render_templates_markdown

            text = render_templates_markdown(found)
        else:
            text = "\n".join(f"T{t.id}\t{t.support}\t{t.slot_form}" for t in found)
        _write(text, out)


@cli.command()
@click.argument("text")
@_store_option
@click.option("-k", "k", type=int, default=10, show_default=True, help="How many passages.")
@click.option(
    "--level", type=click.Choice(["sentence", "paragraph"]), default="sentence", show_default=True
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def similar(
    ctx: click.Context, text: str, store: Path | None, k: int, level: str, fmt: str
) -> None:
    """The stored passages nearest to TEXT."""
    from . import report as rep
    from .corpus import Corpus

    with _errors():
        with Corpus.open(_store_path(ctx, store)) as corpus:
            matches = corpus.similar(text, k=k, level=level)
        if fmt == "json":
            click.echo(rep.to_json("similar", matches))
        else:
            rep.print_matches(matches, ctx.obj.console())


@cli.command()
@_store_option
@click.option("--threshold", type=float, default=None, help="Same-story score threshold (0-1].")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def duplicates(ctx: click.Context, store: Path | None, threshold: float | None, fmt: str) -> None:
    """Groups of near-duplicate articles (same story from several outlets)."""
    from . import report as rep
    from .corpus import Corpus

    with _errors():
        with Corpus.open(_store_path(ctx, store)) as corpus:
            groups = corpus.duplicates(threshold) if threshold else corpus.duplicates()
        if fmt == "json":
            click.echo(rep.to_json("duplicates", groups))
        else:
            rep.print_duplicates(groups, ctx.obj.console())


@cli.command()
@_store_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, store: Path | None, fmt: str) -> None:
    """Summary of the store: articles, passages, model, index."""
    from . import report as rep
    from .corpus import Corpus

    with _errors():
        with Corpus.open(_store_path(ctx, store)) as corpus:
            st = corpus.stats()
        if fmt == "json":
            click.echo(rep.to_json("stats", st))
        else:
            rep.print_stats(st, ctx.obj.console())


from .cli_health import register as _register_health  # noqa: E402

_register_health(cli)

from .cli_teach import register as _register_teach  # noqa: E402

_register_teach(cli)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="protocol-match")
