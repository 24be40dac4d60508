"""Reading: input files and strings become normalized articles, cut into passages.

The first stage. ``read_articles`` streams ``.txt`` files, folders, JSON Lines, CSV and stdin
(checking encodings and sizes, naming the file and line of any bad input); every article's
text is normalized once (``normalize_text``) and all later offsets point into it;
``segment`` cuts it into paragraphs and sentences with exact character offsets. Reading
the input files is, with ``embed``'s model cache, the disk access outside ``store``.
"""

from ._normalize import article_from_text, content_id, normalize_text, parse_date, parse_txt
from ._read import (
    DATA_SUFFIXES,
    expand_path,
    iter_input_files,
    looks_like_path,
    read_articles,
    read_file_articles,
)
from ._rows import MAX_ARTICLE_BYTES, MAX_FILE_BYTES, OnError
from ._segment import segment, split_paragraphs, split_sentences

__all__ = [
    "DATA_SUFFIXES",
    "MAX_ARTICLE_BYTES",
    "MAX_FILE_BYTES",
    "OnError",
    "article_from_text",
    "content_id",
    "expand_path",
    "iter_input_files",
    "looks_like_path",
    "normalize_text",
    "parse_date",
    "parse_txt",
    "read_articles",
    "read_file_articles",
    "segment",
    "split_paragraphs",
    "split_sentences",
]
