"""Read articles from text, ``.txt`` files, folders, JSONL, CSV and stdin.

Problems with the inputs raise ``InputError`` with a one-line message naming the file and
saying what to do; with ``on_error="skip"`` bad files and rows are logged and skipped.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..errors import InputError
from ..records import Article
from ._normalize import parse_txt
from ._rows import MAX_ARTICLE_BYTES, OnError, ReadOptions, csv_articles, jsonl_articles

logger = logging.getLogger(__name__)

DATA_SUFFIXES = (".txt", ".jsonl", ".csv")


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
    opts = ReadOptions(
        text_column, id_column, date_column, source_column, title_column, encoding, on_error,
        on_skip,
    )  # fmt: skip
    return _read_all(path_list, opts, stdin)


def looks_like_path(item: str) -> bool:
    """A string naming a file or folder rather than holding an article's text.

    Existing paths, and short strings without spaces that end in a known extension or
    contain a slash (so a mistyped path fails as "not found" instead of being indexed as
    an article reading "new.txt").
    """
    if "\n" in item or len(item) > 4096 or not item.strip():
        return False
    if Path(item).exists():
        return True
    return " " not in item.strip() and (
        "/" in item or item.lower().endswith((".txt", ".jsonl", ".csv"))
    )


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files ``read_articles`` would read (folders expanded; ``-`` left out)."""
    for p in _check_paths(paths):
        if p != "-":
            for file, _ in expand_path(Path(p)):
                yield file


def read_file_articles(path: Path, source: str, options: Mapping[str, Any]) -> list[Article]:
    """The articles of one input file as :func:`read_articles` reads them (for workers that
    read a share of the files): ``options`` holds its ``text_column`` … ``encoding`` and
    ``on_error`` values; with ``on_error="skip"`` a bad file gives no articles."""
    opts = ReadOptions(
        options["text_column"], options["id_column"], options["date_column"],
        options["source_column"], options["title_column"], options["encoding"],
        options["on_error"],
    )  # fmt: skip
    return list(_guard(lambda: _read_file(Path(path), source, opts), opts))


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


def _read_all(
    paths: list[str | Path], opts: ReadOptions, stdin: TextIO | None
) -> Iterator[Article]:
    for p in paths:
        if p == "-":
            yield from _guard(lambda: _read_stdin(stdin, opts), opts)
            continue
        for file, source in expand_path(Path(p)):
            yield from _guard(lambda f=file, s=source: _read_file(f, s, opts), opts)


def _guard(read: Callable[[], Iterator[Article]], opts: ReadOptions) -> Iterator[Article]:
    """Run one file's reader; with on_error="skip" a failing file is logged and skipped."""
    try:
        yield from read()
    except InputError as exc:
        if opts.on_error == "raise":
            raise
        logger.warning("skipped: %s", exc)
        if opts.on_skip is not None:
            opts.on_skip(exc)


def expand_path(path: Path) -> Iterator[tuple[Path, str]]:
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


def _read_file(path: Path, source: str, opts: ReadOptions) -> Iterator[Article]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".csv"):
        with _open_binary(path) as fh:
            _check_binary(fh.peek(8192)[:8192], str(path), opts.encoding)
            lines = _decoded_lines(fh, str(path), opts.encoding)
            if suffix == ".jsonl":
                yield from jsonl_articles(lines, str(path), source, opts)
            else:
                yield from csv_articles(lines, str(path), source, opts)
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


def _read_stdin(stdin: TextIO | None, opts: ReadOptions) -> Iterator[Article]:
    name = "<stdin>"
    stream = sys.stdin if stdin is None else stdin
    buffer = getattr(stream, "buffer", None)  # real stdin: decode with --encoding ourselves
    text = stream.read() if buffer is None else _decode(buffer.read(), name, opts.encoding)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and all(_is_json_object(ln) for ln in lines):
        numbered = ((i, ln) for i, ln in enumerate(text.splitlines(), 1))
        yield from jsonl_articles(numbered, name, None, opts)
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
