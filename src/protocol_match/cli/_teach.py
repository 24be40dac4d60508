"""CLI commands to teach protocol_match your beat: ``teach``, ``review`` and the ``templates``
verdicts (``confirm``, ``reject``, ``rename``); also the ``compare --explain`` output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._common import errors, store_path, write_output


def register(group: click.Group) -> None:
    """Add ``teach`` and ``review``, and ``templates confirm|reject|rename``."""
    group.add_command(teach)
    group.add_command(review)
    templates = group.commands.get("templates")
    if isinstance(templates, click.Group):
        templates.add_command(confirm)
        templates.add_command(reject)
        templates.add_command(rename)


def _path(ctx: click.Context, store: Path | None) -> Path:

    # `templates --store X confirm 3`: the group's option counts too.
    parent = ctx.parent.params.get("store") if ctx.parent is not None else None
    return store_path(ctx, store or parent)


_STORE = click.option("--store", type=click.Path(path_type=Path), default=None, help="Store.")


# ----------------------------------------------------------------- teach


@click.command()
@click.argument("labels", required=False)
@_STORE
@click.option(
    "--export",
    "export",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the store's labels to FILE (JSON Lines, the import format).",
)
@click.pass_context
def teach(ctx: click.Context, labels: str | None, store: Path | None, export: Path | None) -> None:
    """Import labels from LABELS.jsonl (or - for stdin) and fit the model on them.

    One JSON object a line: {"text": "...", "label": "boilerplate" | "content"}, optionally
    "template" (a name) and "article_id" (where the text comes from). A bad line stops the
    import with its line number, and nothing is imported. `compare` then uses the labels:
    passages the model is confident about become template or novel.
    """
    from ..corpus import Corpus
    from ..learn import load_labels, read_label_file, save_labels, write_label_file

    if labels is None and export is None:
        raise click.UsageError("Give a LABELS.jsonl file to import, or --export FILE.")
    err = ctx.obj.console(stderr=True)
    with errors():
        new = read_label_file(labels) if labels is not None else []  # checked before opening
        with Corpus.open(_path(ctx, store)) as corpus:
            if new:
                save_labels(corpus.store, new)
                n_b = sum(lab.label == "boilerplate" for lab in new)
                err.print(
                    f"Imported {len(new)} labels ({n_b} boilerplate, {len(new) - n_b} content)."
                )
                _fit_summary(corpus, err)
            if export is not None:
                stored = load_labels(corpus.store)
                write_label_file(stored, export)
                err.print(f"Wrote {len(stored)} labels to {export}")


def _fit_summary(corpus: Any, err: Any) -> None:
    import time

    from ..learn import MIN_PER_CLASS, fit_labels

    t0 = time.perf_counter()
    n_labels, fitted = fit_labels(corpus)
    took = time.perf_counter() - t0
    if not fitted:
        err.print(
            f"The store holds {n_labels} labels (with template verdicts): too few to fit a "
            f"model (need {MIN_PER_CLASS} of each kind); compare keeps the unsupervised rule."
        )
    else:
        err.print(f"Model fitted on {n_labels} labels in {took:.1f}s; compare now uses it.")


# ----------------------------------------------------------------- templates verdicts


def _verdict(ctx: click.Context, store: Path | None, tid: str, **kw: Any) -> None:
    from ..corpus import Corpus
    from ..errors import InputError
    from ..learn import save_curation

    with errors():
        try:
            num = int(tid.upper().lstrip("T"))
        except ValueError:
            raise InputError(f"{tid!r} is not a template id (e.g. 3 or T3).") from None
        with Corpus.open(_path(ctx, store)) as corpus:
            listed = corpus.templates()
            raw = corpus.load_templates()[0]  # rejected ones too, to change a verdict
            found = next((t for t in listed + raw if t.id == num), None)
            if found is None:
                raise InputError(
                    f"No template T{num}; run `protocol-match templates` to see the ids."
                )
            save_curation(corpus.store, found.text, found.level, **kw)
        what = kw.get("action") or "named"
        extra = f" as {kw['name']!r}" if kw.get("name") else ""
        click.echo(f"T{num} {what}{'ed' if what != 'named' else ''}{extra}: {found.text[:90]}")


@click.command()
@click.argument("template_id")
@click.option("--name", default=None, help="Also give the template a name.")
@_STORE
@click.pass_context
def confirm(ctx: click.Context, template_id: str, name: str | None, store: Path | None) -> None:
    """Confirm template ID as boilerplate: kept even when mining finds less support."""
    _verdict(ctx, store, template_id, action="confirm", name=name)


@click.command()
@click.argument("template_id")
@_STORE
@click.pass_context
def reject(ctx: click.Context, template_id: str, store: Path | None) -> None:
    """Reject template ID: not boilerplate; left out of listings and compare reports."""
    _verdict(ctx, store, template_id, action="reject")


@click.command()
@click.argument("template_id")
@click.argument("name")
@_STORE
@click.pass_context
def rename(ctx: click.Context, template_id: str, name: str, store: Path | None) -> None:
    """Give template ID a NAME (shown by `templates`)."""
    _verdict(ctx, store, template_id, name=name)


# ----------------------------------------------------------------- review


@click.command()
@_STORE
@click.option("--n", "n", type=int, default=20, show_default=True, help="Passages to propose.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the proposals as JSON Lines to fill in (label: boilerplate/content), then "
    "`teach FILE`. The default on a terminal is to ask one key per passage.",
)
@click.pass_context
def review(ctx: click.Context, store: Path | None, n: int, out: Path | None) -> None:
    """Propose the passages whose labels would help most, and label them.

    On a terminal: b = boilerplate, c = content, s = skip, q = quit (labels given so far are
    kept). Piped or with --out: writes JSON Lines to fill in.
    """
    from ..corpus import Corpus
    from ..learn import propose, save_labels

    with errors():
        with Corpus.open(_path(ctx, store)) as corpus:
            items = propose(corpus, n)
            if not items:
                click.echo("Nothing to review: every template and sampled passage is labelled.")
                return
            if out is not None or not (sys.stdin.isatty() and sys.stdout.isatty()):
                lines = [json.dumps(i.to_label_line(), ensure_ascii=False) for i in items]
                write_output("\n".join(lines) + "\n", out)
                if out is not None:
                    click.echo(
                        f"Wrote {len(items)} passages to {out}: set each label to boilerplate "
                        f"or content (delete lines to skip), then `protocol-match teach {out}`.",
                        err=True,
                    )
                return
            labels = _ask(items)
            if labels:
                save_labels(corpus.store, labels)
                _fit_summary(corpus, ctx.obj.console(stderr=True))
            click.echo(f"Saved {len(labels)} labels.")


def _ask(items: list) -> list:
    keys = {"b": "boilerplate", "c": "content"}
    labels = []
    for k, item in enumerate(items, start=1):
        click.echo("")
        click.secho(f"[{k}/{len(items)}] {item.reason}", dim=True)
        click.echo(item.text)
        click.echo("[b]oilerplate  [c]ontent  [s]kip  [q]uit ", nl=False)
        while True:
            key = click.getchar().lower()
            if key in ("b", "c", "s", "q"):
                break
        click.echo(key)
        if key == "q":
            break
        if key in keys:
            labels.append(item.label(keys[key]))
    return labels


# ----------------------------------------------------------------- compare --explain


def emit_explained(
    state: Any, report: Any, notes: dict, fmt: str, out: Path | None, level: str
) -> None:
    """``compare --explain``: the report plus, per passage, why it got its status."""
    from .. import report as rep

    if fmt == "json":
        doc = json.loads(rep.to_json("compare", report))
        for lv, key in (("paragraph", "paragraphs"), ("sentence", "sentences")):
            for item in doc.get(key, []):
                e = notes.get((lv, item["passage"]["index"]))
                item["explanation"] = e.to_dict() if e is not None else None
        write_output(json.dumps(doc, ensure_ascii=False, indent=2), out)
        return
    import os

    from rich.console import Console

    console = (
        state.console()
        if out is None
        else Console(record=True, width=120, file=open(os.devnull, "w"))  # noqa: SIM115
    )
    rep.print_compare(report, console, level=level)
    console.print("[bold]Why[/bold] (features; p = model probability of boilerplate)")
    rows = report.paragraphs if level == "paragraph" else report.sentences
    for r in rows:
        e = notes.get((level, r.passage.index))
        if e is None:
            continue
        f = e.features
        line = (
            f"#{r.passage.index + 1} {r.status}: {e.rule}. best {f['best_score']:.2f}, "
            f"stories≥0.7 {_count(f['stories_ge_0.7'])}, n-grams common {f['ngram_common']:.2f}"
        )
        if f["knn_boilerplate"] is not None or f["knn_content"] is not None:
            line += f", nearest labels: boilerplate {_num(f['knn_boilerplate'])} / content "
            line += _num(f["knn_content"])
        console.print(line, markup=False)
        for tag, near in (("boilerplate", e.nearest_boilerplate), ("content", e.nearest_content)):
            if near:
                text, score = near[0]
                console.print(f"    ~{tag} {score:.2f}: {text[:100]}", markup=False)
    if out is not None:
        write_output(console.export_text(), out)


def _count(logged: float | None) -> int:
    import math

    return round(math.expm1(logged)) if logged is not None else 0


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"
