"""The commands that read a store: ``compare``, ``templates``, ``similar``, ``duplicates``
and ``stats``."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from ._common import (
    FORMATS_COMPARE,
    State,
    address_option,
    errors,
    min_support_option,
    read_kwargs,
    read_options,
    store_option,
    store_path,
    threshold_option,
    write_output,
)


@click.command()
@click.argument("file")
@store_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS_COMPARE), default="table", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to FILE.")
@click.option("--add", is_flag=True, help="Also add the article to the store afterwards.")
@min_support_option
@threshold_option
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
@read_options
@click.pass_context
def compare(ctx: click.Context, file: str, store: Path | None, **kw: Any) -> None:
    """Compare an article (FILE, or - for stdin) against the store.

    Every paragraph and sentence is reported as template, reused (copied from a named
    article) or novel, with a novelty score; novel spans inside matches are highlighted.
    """
    from ..corpus import Corpus
    from ..ingest import read_articles

    read = read_kwargs(kw)
    with errors():
        articles = list(read_articles([file], **read))
        if len(articles) != 1:
            raise ValueError(f"{file} holds {len(articles)} articles; compare takes one.")
        with Corpus.open(store_path(ctx, store)) as corpus:
            from ..learn import explaining, last_explanations

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
            from ._teach import emit_explained

            emit_explained(ctx.obj, report, notes, kw["fmt"], kw["out"], kw["level"])
            return
        _emit_compare(ctx.obj, report, templates, kw["fmt"], kw["out"], kw["level"])


def _emit_compare(
    state: State, report: Any, templates: Any, fmt: str, out: Path | None, level: str
) -> None:
    from .. import report as rep

    if fmt == "table" and out is None:
        rep.print_compare(report, state.console(), level=level)
        return
    if fmt == "json":
        text = rep.to_json("compare", report)
    elif fmt == "html":
        from ..report import render_compare_html

        text = render_compare_html(report, templates=templates)
    elif fmt == "md":
        from ..report import render_compare_markdown

        text = render_compare_markdown(report, templates=templates)
    else:
        from rich.console import Console

        console = Console(record=True, width=120, file=open(os.devnull, "w"))  # noqa: SIM115
        rep.print_compare(report, console, level=level)
        text = console.export_text()
    write_output(text, out)
    if out is not None:
        state.console(stderr=True).print(f"Wrote {out}")


@click.group(invoke_without_command=True)
@store_option
@min_support_option
@threshold_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS_COMPARE), default="table", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to FILE.")
@click.option("--refresh", is_flag=True, help="Mine again even if nothing changed.")
@click.option("--hide-chrome", is_flag=True, help="Leave out page-chrome templates.")
@click.option("--limit", type=int, default=0, help="Show at most N templates (0 = all).")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: mine again on a Ray cluster, partitions of the store on its workers (pip "
    "extra [ray]; for stores too big for one machine's memory).",
)
@address_option
@click.pass_context
def templates(ctx: click.Context, store: Path | None, **kw: Any) -> None:
    """List the recurring formulas (templates) mined from the store.

    `templates confirm|reject|rename ID` record your verdict on a template (kept across
    re-mining); rejected templates disappear from listings and reports.
    """
    from .. import report as rep
    from ..corpus import Corpus

    if ctx.invoked_subcommand is not None:
        return
    with errors():
        if kw["engine"] != "ray" and kw["address"]:
            raise ValueError("--address needs --engine ray")
        with Corpus.open(store_path(ctx, store)) as corpus:
            if kw["engine"] == "ray":  # imported only here: plain mining never loads Ray
                from ..distributed import RaySettings, mine_on_ray

                mined = mine_on_ray(
                    corpus, RaySettings(address=kw["address"]), min_support=kw["min_support"],
                    threshold=kw["threshold"],
                )  # fmt: skip
                ctx.obj.console(stderr=True).print(
                    f"Mined {mined.templates} templates on {mined.workers} Ray workers in "
                    f"{mined.seconds['total']:.1f}s."
                )
            refresh = kw["refresh"] and kw["engine"] != "ray"  # the cluster just mined them
            found = corpus.templates(kw["min_support"], kw["threshold"], refresh=refresh)
            from ..learn import template_names

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
            from ..report import render_templates_html

            text = render_templates_html(found)
        elif fmt == "md":
            from ..report import render_templates_markdown

            text = render_templates_markdown(found)
        else:
            text = "\n".join(f"T{t.id}\t{t.support}\t{t.slot_form}" for t in found)
        write_output(text, out)


@click.command()
@click.argument("text")
@store_option
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
    from .. import report as rep
    from ..corpus import Corpus

    with errors():
        with Corpus.open(store_path(ctx, store)) as corpus:
            matches = corpus.similar(text, k=k, level=level)
        if fmt == "json":
            click.echo(rep.to_json("similar", matches))
        else:
            rep.print_matches(matches, ctx.obj.console())


@click.command()
@store_option
@click.option("--threshold", type=float, default=None, help="Same-story score threshold (0-1].")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def duplicates(ctx: click.Context, store: Path | None, threshold: float | None, fmt: str) -> None:
    """Groups of near-duplicate articles (same story from several outlets)."""
    from .. import report as rep
    from ..corpus import Corpus

    with errors():
        with Corpus.open(store_path(ctx, store)) as corpus:
            groups = corpus.duplicates(threshold) if threshold else corpus.duplicates()
        if fmt == "json":
            click.echo(rep.to_json("duplicates", groups))
        else:
            rep.print_duplicates(groups, ctx.obj.console())


@click.command()
@store_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, store: Path | None, fmt: str) -> None:
    """Summary of the store: articles, passages, model, index."""
    from .. import report as rep
    from ..corpus import Corpus

    with errors():
        with Corpus.open(store_path(ctx, store)) as corpus:
            st = corpus.stats()
        if fmt == "json":
            click.echo(rep.to_json("stats", st))
        else:
            rep.print_stats(st, ctx.obj.console())
