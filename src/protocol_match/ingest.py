"""Read articles from text, ``.txt`` files, folders, JSONL, CSV and stdin.

Every reader returns ``records.Article`` whose ``text`` is normalized by
:func:`normalize_text`; all later character offsets point into that normalized text.
Problems with the inputs raise ``InputError`` with a one-line message naming the file and
saying what to do; with ``on_error="skip"`` bad files and rows are logged and skipped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from .errors import InputError
from .records import Article

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024
# One article larger than this is refused: news articles are well under 100 KB, and a
# multi-megabyte "article" (a dump pasted as one text) would segment into hundreds of
# thousands of passages and take gigabytes of memory.
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
DATA_SUFFIXES = (".txt", ".jsonl", ".csv")
OnError = Literal["raise", "skip"]

# --- text normalization --------------------------------------------------------------------

_DROP = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)}
_NEWLINES = {"\r\n": "\n", "\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n"}
_NEWLINE_RE = re.compile("|".join(map(re.escape, _NEWLINES)))
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")
_SPACES_RE = re.compile(r"[^\S\n]+")
_BLANK_RE = re.compile(r"\n[^\S\n]*\n\s*")
_CLOSING_RE = re.compile(r"(?:\n[^\S\n]*-{3,}[^\S\n]*)+\s*\Z")
_TERMINAL = tuple('.!?:”"')
_HEADER_RE = re.compile(
    r"\A[^\S\n]*date[^\S\n]+(\d{4}-\d{2}-\d{2}(?:T\S*)?)(?:[^\S\n]+|[^\S\n]*(?:\n|\Z))", re.I
)


def normalize_text(raw: str) -> str:
    """Canonical article text: clean characters, rejoin hard-wrapped lines, ``\\n\\n`` paragraphs.

    Strips the BOM, zero-width and control characters, turns CRLF/CR into LF, drops a
    closing ``---`` line, joins the lines of each paragraph with single spaces and collapses
    runs of spaces. Text without any blank line but with several lines is joined when it
    looks hard-wrapped, else each line is a paragraph.
    """
    text = _clean_chars(raw)
    text = _CLOSING_RE.sub("", "\n" + text)[1:] if text.strip() else ""
    if not text.strip():
        return ""
    blocks = _BLANK_RE.split(text.strip())
    if len(blocks) == 1:
        lines = [ln.strip() for ln in blocks[0].split("\n") if ln.strip()]
        if len(lines) > 1 and not _looks_hard_wrapped(lines):
            blocks = _line_paragraphs(lines)
        elif len(lines) > 1:
            blocks = _wrapped_paragraphs(lines)
    paragraphs = [_join_lines(b) for b in blocks]
    return "\n\n".join(p for p in paragraphs if p)


def _clean_chars(raw: str) -> str:
    text = raw.translate(_DROP)
    text = _NEWLINE_RE.sub(lambda m: _NEWLINES[m.group()], text)
    text = text.replace("\t", " ").replace("\f", "\n").replace("\v", "\n")
    return _CONTROL_RE.sub("", text)


def _join_lines(block: str) -> str:
    """One paragraph: its lines joined by a space (no space after a word-break hyphen)."""
    lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
    out = ""
    for ln in lines:
        if out and out[-1] == "-" and len(out) > 1 and out[-2].isalpha() and ln[0].islower():
            out += ln  # "military-\ntechnical" was wrapped at its hyphen
        else:
            out = f"{out} {ln}" if out else ln
    return _SPACES_RE.sub(" ", out).strip()


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """Most lines of similar length and not ending a sentence: a wrapped paragraph."""
    body = lines[:-1]  # the last line of a wrapped paragraph is naturally short
    width = max(len(ln) for ln in body)
    similar = sum(len(ln) >= 0.6 * width for ln in body) / len(body)
    ending = sum(ln.endswith(_TERMINAL) for ln in body) / len(body)
    last_fits = len(lines[-1]) <= 1.1 * width + 5  # else: a title line above a long body
    return width >= 40 and last_fits and similar >= 0.6 and ending < 0.5


def _line_paragraphs(lines: list[str]) -> list[str]:
    """One paragraph per line, except that a line continues when the next starts lowercase."""
    blocks: list[str] = []
    for ln in lines:
        if blocks and not blocks[-1].endswith(_TERMINAL) and ln[0].islower():
            blocks[-1] += "\n" + ln
        else:
            blocks.append(ln)
    return blocks


def _wrapped_paragraphs(lines: list[str]) -> list[str]:
    """Wrapped text without blank lines: a short line ending a sentence ends a paragraph."""
    width = max(len(ln) for ln in lines)
    blocks: list[str] = []
    current: list[str] = []
    for ln in lines:
        current.append(ln)
        if len(ln) < 0.6 * width and ln.endswith(_TERMINAL):
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def content_id(text: str) -> str:
    """Stable id: sha256 of the whitespace-normalized, casefolded text (16 hex chars)."""
    canonical = " ".join(text.split()).casefold()
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def parse_date(value: Any, *, where: str = "") -> str | None:
    """``YYYY-MM-DD`` from a date or ISO datetime string; ``None`` (with a warning) if bad."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, str):
        s = value.strip()
        try:
            if len(s) == 10:
                return date.fromisoformat(s).isoformat()
            return datetime.fromisoformat(s.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    logger.warning("%sunparseable date %r ignored (expected YYYY-MM-DD)", _prefix(where), value)
    return None


def _prefix(where: str) -> str:
    return f"{where}: " if where else ""


# --- articles from strings -----------------------------------------------------------------


def parse_txt(
    raw: str,
    *,
    origin: str | None = None,
    source: str | None = None,
    title: str | None = None,
) -> Article:
    """An article from the seeds' text format (optional `` date YYYY-MM-DD `` header).

    Raises ``InputError`` when nothing but whitespace (or only the header) is left.
    """
    text, header_date = _split_header(raw, origin or "")
    if not text:
        raise InputError(f"{origin or '<text>'} is empty: nothing to index")
    return Article(
        id=content_id(text), text=text, date=header_date, source=source, title=title,
        origin=origin,
    )  # fmt: skip


def article_from_text(
    text: str,
    *,
    id: str | None = None,
    date: str | None = None,
    source: str | None = None,
    title: str | None = None,
    origin: str | None = None,
) -> Article:
    """An article from a string (the `` date `` header is understood, as in :func:`parse_txt`).

    An explicit ``date`` wins over the header's. Raises ``ValueError`` for empty text.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    body, header_date = _split_header(text, origin or "")
    if not body:
        raise ValueError("text is empty: nothing to index")
    given = parse_date(date, where=origin or "") if date is not None else None
    return Article(
        id=str(id) if id not in (None, "") else content_id(body),
        text=body,
        date=given or header_date,
        source=source,
        title=title,
        origin=origin,
    )


def _split_header(raw: str, where: str) -> tuple[str, str | None]:
    """Normalized text without its `` date `` header, and the header's date."""
    cleaned = _clean_chars(raw)
    m = _HEADER_RE.match(cleaned)
    if m is None:
        return normalize_text(cleaned), None
    return normalize_text(cleaned[m.end() :]), parse_date(m.group(1), where=where)


# --- files, folders, streams ---------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    text: str
    id: str
    date: str
    source: str
    title: str
    encoding: str
    on_error: OnError
    on_skip: Callable[[InputError], None] | None = None


def read_articles(
    paths: Iterable[str | Path],
    *,
    text_column: str = "text",
    id_column: str = "id",
    date_column: str = "date",
    source_column: str = "source",
    title_column: str = "title",
    encoding: str = "utf-8",
    stdin: TextIO | None = None,
    on_error: OnError = "raise",
    on_skip: Callable[[InputError], None] | None = None,
) -> Iterator[Article]:
    """Stream the articles of ``.txt`` files, folders, ``.jsonl``, ``.csv`` and ``-`` (stdin).

    Folders are walked recursively in sorted order (``.txt``/``.jsonl``/``.csv`` files,
    hidden entries skipped). JSONL and CSV are read row by row, never whole. Arguments and
    the existence of every path are checked before anything is read. With
    ``on_error="skip"`` bad files and rows are logged and skipped (each passed to ``on_skip``
    when given, e.g. to count them); missing paths still raise.
    """
    path_list = _check_paths(paths)
    for name, value in (
        ("text_column", text_column), ("id_column", id_column), ("date_column", date_column),
        ("source_column", source_column), ("title_column", title_column),
    ):  # fmt: skip
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ValueError(f"unknown encoding {encoding!r}; pass e.g. utf-8 or latin-1") from None
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    opts = _Options(
        text_column, id_column, date_column, source_column, title_column, encoding, on_error,
        on_skip,
    )  # fmt: skip
    return _read_all(path_list, opts, stdin)


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files ``read_articles`` would read (folders expanded; ``-`` left out)."""
    for p in _check_paths(paths):
        if p != "-":
            for file, _ in _expand(Path(p)):
                yield file


def _check_paths(paths: Iterable[str | Path]) -> list[str | Path]:
    if isinstance(paths, str | Path):
        paths = [paths]  # one path given bare: don't iterate its characters
    path_list = list(paths)
    if not path_list:
        raise ValueError("no input paths given; pass files, folders or '-' for stdin")
    for p in path_list:
        if not isinstance(p, str | Path):
            raise ValueError(f"input paths must be str or Path, got {type(p).__name__}")
        if p != "-" and not Path(p).exists():
            raise InputError(f"No such file or directory: {p} (check the path)")
    return path_list


def _read_all(paths: list[str | Path], opts: _Options, stdin: TextIO | None) -> Iterator[Article]:
    for p in paths:
        if p == "-":
            yield from _guard(lambda: _read_stdin(stdin, opts), opts)
            continue
        for file, source in _expand(Path(p)):
            yield from _guard(lambda f=file, s=source: _read_file(f, s, opts), opts)


def _guard(read: Callable[[], Iterator[Article]], opts: _Options) -> Iterator[Article]:
    """Run one file's reader; with on_error="skip" a failing file is logged and skipped."""
    try:
        yield from read()
    except InputError as exc:
        if opts.on_error == "raise":
            raise
        logger.warning("skipped: %s", exc)
        if opts.on_skip is not None:
            opts.on_skip(exc)


def _expand(path: Path) -> Iterator[tuple[Path, str]]:
    """(file, default source) pairs: the file itself, or a folder's data files, sorted."""
    if path.is_file():
        yield path, path.stem
        return
    if not path.is_dir():
        raise InputError(f"{path} is neither a file nor a folder; pass a file, folder or '-'")
    files: list[Path] = []
    try:
        for root, dirs, names in os.walk(path, onerror=_raise_walk_error):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files.extend(
                Path(root, n)
                for n in names
                if not n.startswith(".") and n.lower().endswith(DATA_SUFFIXES)
            )
    except PermissionError as exc:
        raise InputError(
            f"{exc.filename}: permission denied; check the folder's permissions"
        ) from None
    if not files:
        logger.warning("%s contains no .txt, .jsonl or .csv files", path)
    for file in sorted(files, key=lambda f: f.relative_to(path).parts):
        # Files in a subfolder take the subfolder's name as source (one folder per outlet).
        yield file, (file.parent.name if file.parent != path else file.stem)


def _raise_walk_error(exc: OSError) -> None:
    raise exc


def _read_file(path: Path, source: str, opts: _Options) -> Iterator[Article]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".csv"):
        with _open_binary(path) as fh:
            _check_binary(fh.peek(8192)[:8192], str(path), opts.encoding)
            lines = _decoded_lines(fh, str(path), opts.encoding)
            if suffix == ".jsonl":
                yield from _jsonl_articles(lines, str(path), source, opts)
            else:
                yield from _csv_articles(lines, str(path), source, opts)
        return
    size = path.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise InputError(
            f"{path} is {size / 2**20:.1f} MB, over the {MAX_ARTICLE_BYTES // 2**20} MB limit "
            "for one article; split it, or put its articles in a .jsonl file"
        )
    with _open_binary(path) as fh:
        data = fh.read()
    yield parse_txt(_decode(data, str(path), opts.encoding), origin=str(path), source=source)


def _open_binary(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")  # noqa: SIM115 - callers close it with "with"
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _read_stdin(stdin: TextIO | None, opts: _Options) -> Iterator[Article]:
    name = "<stdin>"
    stream = sys.stdin if stdin is None else stdin
    buffer = getattr(stream, "buffer", None)  # real stdin: decode with --encoding ourselves
    text = stream.read() if buffer is None else _decode(buffer.read(), name, opts.encoding)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and all(_is_json_object(ln) for ln in lines):
        numbered = ((i, ln) for i, ln in enumerate(text.splitlines(), 1))
        yield from _jsonl_articles(numbered, name, None, opts)
    else:
        yield parse_txt(text, origin=name)


def _is_json_object(line: str) -> bool:
    if not line.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


# --- decoding ------------------------------------------------------------------------------


def _codec(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name == "utf-8" else name  # a UTF-8 BOM is fine


def _is_wide(encoding: str) -> bool:
    return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _check_binary(sample: bytes, name: str, encoding: str) -> None:
    """Refuse NUL bytes or mostly control bytes (unless the encoding is UTF-16/32)."""
    if _is_wide(encoding) or not sample:
        return
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name} looks like UTF-16 text; pass --encoding utf-16")
    controls = sum(b < 32 and b not in b"\t\n\r\f\x1b" or b == 127 for b in sample)
    if b"\x00" in sample or controls > 0.3 * len(sample):
        raise InputError(f"{name} looks binary, not text; pass a text, .jsonl or .csv file")


def _decode_error(name: str, encoding: str, exc: UnicodeDecodeError, base: int = 0) -> InputError:
    bad = exc.object[exc.start]
    label = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    return InputError(
        f"{name} is not valid {label} (byte 0x{bad:02x} at offset {base + exc.start}); "
        "pass --encoding latin-1 (or the right one)"
    )


def _decode(data: bytes, name: str, encoding: str) -> str:
    _check_binary(data[:8192], name, encoding)
    try:
        return data.decode(_codec(encoding))
    except UnicodeDecodeError as exc:
        raise _decode_error(name, encoding, exc) from None


def _decoded_lines(fh: BinaryIO, name: str, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, text with its line ending), decoded one line at a time."""
    if _is_wide(encoding):  # lines cannot be split on b"\n" bytes: let a reader do it
        reader = io.TextIOWrapper(fh, encoding=encoding, newline="")
        try:
            yield from enumerate(reader, 1)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name} is not valid {encoding} ({exc.reason}); pass the right --encoding"
            ) from None
        finally:
            reader.detach()
        return
    codec = _codec(encoding)
    offset = 0
    for n, raw in enumerate(fh, 1):
        try:
            yield n, raw.decode(codec if n == 1 else codec.removesuffix("-sig"))
        except UnicodeDecodeError as exc:
            raise _decode_error(name, encoding, exc, offset) from None
        offset += len(raw)


# --- rows ----------------------------------------------------------------------------------


def _jsonl_articles(
    lines: Iterable[tuple[int, str]], name: str, source: str | None, opts: _Options
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


def _csv_articles(
    lines: Iterator[tuple[int, str]], name: str, source: str, opts: _Options
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
    row: dict[str, Any], name: str, n: int, source: str | None, opts: _Options, kind: str
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


def _row_failed(exc: InputError, opts: _Options) -> None:
    if opts.on_error == "raise":
        raise exc
    logger.warning("skipped row: %s", exc)
    if opts.on_skip is not None:
        opts.on_skip(exc)
