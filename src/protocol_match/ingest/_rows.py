"""Rows of JSON Lines and CSV files as articles, each bad row named by its line."""

from __future__ import annotations

import csv
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import InputError
from ..records import Article
from ._normalize import article_from_text, parse_date

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024
# One article larger than this is refused: news articles are well under 100 KB, and a
# multi-megabyte "article" (a dump pasted as one text) would segment into hundreds of
# thousands of passages and take gigabytes of memory.
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
OnError = Literal["raise", "skip"]


@dataclass(frozen=True)
class ReadOptions:
    """How ``read_articles`` reads: the column names, the encoding and what to do on errors."""

    text: str
    id: str
    date: str
    source: str
    title: str
    encoding: str
    on_error: OnError
    on_skip: Callable[[InputError], None] | None = None


def jsonl_articles(
    lines: Iterable[tuple[int, str]], name: str, source: str | None, opts: ReadOptions
) -> Iterator[Article]:
    seen = False
    for n, line in lines:
        if not line.strip():
            continue
        seen = True
        try:
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InputError(
                    f"{name} line {n}: not valid JSON ({exc}); each line must be one JSON object"
                ) from None
            if not isinstance(row, dict):
                raise InputError(
                    f"{name} line {n}: expected a JSON object, got {type(row).__name__}; "
                    "each line must be one JSON object"
                )
            yield _row_article(row, name, n, source, opts, "field")
        except InputError as exc:
            _row_failed(exc, opts)
    if not seen:
        raise InputError(f"{name} is empty: nothing to index")


def csv_articles(
    lines: Iterator[tuple[int, str]], name: str, source: str, opts: ReadOptions
) -> Iterator[Article]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    lines = _split_bare_cr(lines)
    first = next(lines, None)
    if first is None:
        raise InputError(f"{name} is empty: nothing to index")
    try:
        delimiter = _pick_delimiter(first[1], opts.text)
        reader = csv.reader((ln for _, ln in itertools.chain([first], lines)), delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise InputError(f"{name} line 1: bad CSV header ({exc})") from None
    if not any(header):
        raise InputError(f"{name} is empty: nothing to index (no header row)")
    if opts.text not in header:
        raise InputError(
            f"{name} has no column '{opts.text}' (columns: {', '.join(header)}); "
            "pass --text-column NAME"
        )
    seen = False
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"{name} line {reader.line_num}: bad CSV ({exc})") from None
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        seen = True
        try:
            cells = row + [""] * (len(header) - len(row))  # short rows: missing cells empty
            record = dict(zip(header, cells, strict=False))
            yield _row_article(record, name, reader.line_num, source, opts, "column")
        except InputError as exc:
            _row_failed(exc, opts)
    if not seen:
        raise InputError(f"{name} has a header but no rows: nothing to index")


def _split_bare_cr(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines ending in a lone carriage return (old Mac files) split there, as universal
    newlines would: the csv module refuses a bare CR inside an unquoted field."""
    for n, line in lines:
        body = line[:-2] if line.endswith("\r\n") else line.rstrip("\n")
        if "\r" not in body:
            yield n, line
            continue
        parts = body.split("\r")
        for part in parts[:-1]:
            yield n, part + "\r\n"
        yield n, parts[-1] + line[len(body) :]


def _pick_delimiter(header_line: str, text_column: str) -> str:
    """Comma, unless the header only names the text column when split on ; tab or |."""
    for delimiter in (",", ";", "\t", "|"):
        names = next(csv.reader([header_line], delimiter=delimiter), [])
        if text_column in (n.strip() for n in names):
            return delimiter
    return ","


def _row_article(
    row: dict[str, Any], name: str, n: int, source: str | None, opts: ReadOptions, kind: str
) -> Article:
    where = f"{name}:{n}"
    text = row.get(opts.text)
    if text is None and opts.text not in row:
        fields = ", ".join(map(str, row)) or "none"
        raise InputError(
            f"{name} line {n}: no {kind} '{opts.text}' ({kind}s: {fields}); pass --text-column NAME"
        )
    if not isinstance(text, str):
        raise InputError(f"{name} line {n}: '{opts.text}' is not a string but {text!r:.40}")
    if len(text) > MAX_ARTICLE_BYTES:
        raise InputError(
            f"{name} line {n}: the text is over the {MAX_ARTICLE_BYTES // 2**20} MB limit for "
            "one article; split it"
        )
    try:
        return article_from_text(
            text,
            id=_opt_str(row.get(opts.id)),
            date=parse_date(row.get(opts.date), where=where),
            source=_opt_str(row.get(opts.source)) or source,
            title=_opt_str(row.get(opts.title)),
            origin=where,
        )
    except ValueError:  # nothing left after normalization
        raise InputError(f"{name} line {n}: empty '{opts.text}': nothing to index") from None


def _opt_str(value: Any) -> str | None:
    """A column value as a string; ``None`` for missing or blank values."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


def _row_failed(exc: InputError, opts: ReadOptions) -> None:
    if opts.on_error == "raise":
        raise exc
    logger.warning("skipped row: %s", exc)
    if opts.on_skip is not None:
        opts.on_skip(exc)
