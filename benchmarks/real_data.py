"""The real development corpora and their labels, for ``real.py``.

A corpus is ``<dir>/articles.jsonl`` (see ``../shared/corpora/README.md``); its labels live in
``benchmarks/real/<name>.labels.jsonl`` (one line per paragraph, character spans for mixed
paragraphs; see ``benchmarks/real/README.md``) and event corrections in
``<name>.events.jsonl``. The texts are read by path and never copied into the project.

Truth for a passage that protocol_match cut (a paragraph or a sentence, offsets into the
normalized article text) is the share of its non-space characters labelled formula or chrome:
a passage is boilerplate when that share is over one half, and it takes the family that
covers most of it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = Path(__file__).resolve().parent / "real"
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
CORPORA = ("readouts", "uk-readouts")
BOILERPLATE = ("formula", "chrome")


class CorpusMissing(SystemExit):
    """The corpus folder or its labels are not where the benchmark looks."""


@dataclass
class Doc:
    """One real article: its fields, the normalized text protocol_match indexes, and the
    label of every character of that text (None for unlabelled whitespace)."""

    id: str
    event: str
    outlet: str
    publisher: str
    date: str | None
    title: str | None
    raw: str
    text: str = ""
    char_label: list[str | None] = field(default_factory=list)
    char_family: list[str | None] = field(default_factory=list)


@dataclass
class Truth:
    """A passage's truth: boilerplate or not, its family, and the boilerplate share."""

    boilerplate: bool
    family: str | None
    share: float


def corpus_path(base: Path, name: str) -> Path:
    path = base / name / "articles.jsonl"
    if not path.is_file():
        raise CorpusMissing(
            f"No corpus at {path}: pass --corpus DIR (the folder holding {name}/articles.jsonl)."
        )
    return path


def load_docs(base: Path, name: str, labels_dir: Path = LABELS) -> list[Doc]:
    """The corpus's documents with event corrections and per-character labels applied."""
    from protocol_match.ingest import article_from_text

    rows = [json.loads(line) for line in corpus_path(base, name).open(encoding="utf-8")]
    events = _event_fixes(labels_dir, name)
    labels = _labels(labels_dir, name)
    docs = []
    for r in rows:
        doc = Doc(
            id=r["id"],
            event=events.get(r["id"], r["event"]),
            outlet=r.get("outlet") or "",
            publisher=r.get("publisher") or "",
            date=r.get("date") or None,
            title=r.get("title") or None,
            raw=r["text"],
        )
        doc.text = article_from_text(doc.raw, id=doc.id).text
        _apply_labels(doc, labels.get(doc.id, {}), name)
        docs.append(doc)
    return docs


def _event_fixes(labels_dir: Path, name: str) -> dict[str, str]:
    path = labels_dir / f"{name}.events.jsonl"
    if not path.is_file():
        return {}
    fixes = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            fixes[row["doc"]] = row["event"]
    return fixes


def _labels(labels_dir: Path, name: str) -> dict[str, dict[int, dict]]:
    path = labels_dir / f"{name}.labels.jsonl"
    if not path.is_file():
        raise CorpusMissing(f"No labels at {path}: see benchmarks/real/README.md.")
    out: dict[str, dict[int, dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.setdefault(row["doc"], {})[int(row["para"])] = row
    return out


def sha10(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _apply_labels(doc: Doc, by_para: dict[int, dict], name: str) -> None:
    """Per-character labels of the normalized text, from paragraph labels on the raw text."""
    raw_paras = doc.raw.split("\n\n")
    norm_paras = doc.text.split("\n\n")
    if len(raw_paras) != len(norm_paras):
        raise CorpusMissing(f"{name}/{doc.id}: normalization changed the paragraph count")
    labels: list[str | None] = []
    families: list[str | None] = []
    for i, (raw, norm) in enumerate(zip(raw_paras, norm_paras, strict=True)):
        row = by_para.get(i)
        if row is None:
            raise CorpusMissing(f"{name}/{doc.id} paragraph {i} has no label")
        if row["sha1"] != sha10(raw):
            raise CorpusMissing(f"{name}/{doc.id} paragraph {i} changed since it was labelled")
        raw_lab: list[str | None] = [None] * len(raw)
        raw_fam: list[str | None] = [None] * len(raw)
        spans = row["spans"] or [[0, len(raw), row["label"], row.get("family")]]
        for start, end, label, family in spans:
            for j in range(start, end):
                raw_lab[j], raw_fam[j] = label, family
        lab, fam = _carry(raw, norm, raw_lab, raw_fam)
        if i:
            labels += [None, None]
            families += [None, None]
        labels += lab
        families += fam
    assert len(labels) == len(doc.text)
    doc.char_label, doc.char_family = labels, families


def _carry(
    raw: str, norm: str, lab: list[str | None], fam: list[str | None]
) -> tuple[list[str | None], list[str | None]]:
    """Move per-character labels from ``raw`` onto ``norm`` (whitespace and control
    characters differ) through the characters the two share."""
    if raw == norm:
        return lab, fam
    out_lab: list[str | None] = [None] * len(norm)
    out_fam: list[str | None] = [None] * len(norm)
    matcher = difflib.SequenceMatcher(None, raw, norm, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        out_lab[b : b + size] = lab[a : a + size]
        out_fam[b : b + size] = fam[a : a + size]
    return out_lab, out_fam


def truth_of(doc: Doc, start: int, end: int) -> Truth:
    """Boilerplate when over half of the span's non-space characters are formula/chrome."""
    kinds: Counter[str] = Counter()
    fams: Counter[str] = Counter()
    for j in range(start, end):
        if doc.text[j].isspace() or doc.char_label[j] is None:
            continue
        kinds[doc.char_label[j]] += 1
        if doc.char_label[j] in BOILERPLATE and doc.char_family[j]:
            fams[doc.char_family[j]] += 1
    total = sum(kinds.values())
    share = sum(kinds[k] for k in BOILERPLATE) / total if total else 0.0
    family = fams.most_common(1)[0][0] if fams else None
    return Truth(share > 0.5, family if share > 0.5 else None, round(share, 4))


def event_splits(docs: Sequence[Doc], n: int, seed: int = 0) -> list[tuple[set[str], set[str]]]:
    """``n`` random halves of the events: (fit events, held-out events) per split."""
    import numpy as np

    events = sorted({d.event for d in docs})
    out = []
    for k in range(n):
        rng = np.random.default_rng(seed + k)
        order = list(rng.permutation(len(events)))
        fit = {events[i] for i in order[: len(events) // 2]}
        out.append((fit, set(events) - fit))
    return out
