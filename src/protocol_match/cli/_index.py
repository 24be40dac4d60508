"""``protocol-match index``: add articles to the store (here or on a Ray cluster)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import ProtocolMatchError
from ._common import (
    BACKEND_CHOICE,
    State,
    address_option,
    errors,
    min_support_option,
    note_first_build,
    progress_bar,
    read_kwargs,
    read_options,
    store_option,
    store_path,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@store_option
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
    type=BACKEND_CHOICE,
    default=None,
    help="How a new store runs the model: static (default; a model2vec model distilled "
    "from it once per machine, ~100x faster, as accurate on real news), torch (the full "
    "model), onnx-int8 (~2x; needs the [fast] extra).",
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip unreadable files/rows (counted) instead of stopping."
)
@min_support_option
@click.option("--no-mine", is_flag=True, help="Do not mine templates after indexing.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another process is writing.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: read, embed and write index shards on a Ray cluster (pip extra [ray]).",
)
@address_option
@click.option("--shards", type=int, default=None, help="Index shards to write (--engine ray).")
@read_options
@click.pass_context
def index(ctx: click.Context, paths: tuple[str, ...], store: Path | None, **kw: Any) -> None:
    """Add articles (files, folders, .jsonl, .csv, or - for stdin) to the store.

    Articles already in the store are skipped, so running it twice adds nothing.
    """
    from ..corpus import Corpus

    read = read_kwargs(kw)
    read["on_error"] = "skip" if kw["skip_bad"] else "raise"
    bad: list[str] = []  # files/rows skipped by --skip-bad, for the summary
    state: State = ctx.obj
    err = state.console(stderr=True)
    with errors():
        if kw["engine"] != "ray" and (kw["address"] or kw["shards"] is not None):
            raise ValueError("--address and --shards need --engine ray")
        started = time.perf_counter()
        corpus = Corpus.open(
            store_path(ctx, store),
            model=kw["model"],
            create=True,
            index_kind=kw["index_kind"],
            backend=kw["backend"],
        )
        note_first_build(corpus, err)
        with (
            corpus,
            _discard_if_failed(corpus),
            progress_bar(err, "Indexing", "articles", _count_txt(paths)) as advance,
        ):
            if kw["engine"] == "ray":  # imported only here: a plain index never loads Ray
                from ..distributed import RaySettings, index_with_ray

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


def _count_txt(paths: tuple[str, ...]) -> int | None:
    """Articles to index when every input is a text file (one article each), else unknown."""
    from ..ingest import iter_input_files

    if "-" in paths:
        return None
    try:
        files = list(iter_input_files(paths))
    except ProtocolMatchError:
        return None  # reported properly when the files are read
    if any(f.suffix.lower() in (".jsonl", ".csv") for f in files):
        return None
    return len(files)
