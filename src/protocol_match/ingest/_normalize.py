"""Article text: normalization, content ids, dates, and articles from strings.

Every reader returns ``records.Article`` whose ``text`` is normalized by
:func:`normalize_text`; all later character offsets point into that normalized text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime
from typing import Any

from ..errors import InputError
from ..records import Article

logger = logging.getLogger(__name__)

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
