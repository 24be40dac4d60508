"""The ``protocol-match`` command group: global options, and every command registered on it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from .. import __version__
from . import _health, _live, _teach
from ._common import STORE_HELP, State
from ._index import index
from ._query import compare, duplicates, similar, stats, templates


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
    ctx.obj = State(store, quiet, verbose)


for _command in (index, compare, templates, similar, duplicates, stats):
    cli.add_command(_command)
_health.register(cli)
_teach.register(cli)
_live.register(cli)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="protocol-match")
