"""Exception hierarchy.

Every message says what was wrong and what to do about it; the CLI prints the message
as one line on stderr and exits non-zero, so messages must stand on their own.
"""

from __future__ import annotations


class ProtocolMatchError(Exception):
    """Base class of every error protocol_match raises on purpose."""


class InputError(ProtocolMatchError):
    """An input file, folder or stream cannot be read as articles."""


class StoreError(ProtocolMatchError):
    """The store directory is missing, locked, corrupt or otherwise unusable."""


class StoreNotFoundError(StoreError):
    """No store exists at the given path."""


class ModelMismatchError(StoreError):
    """The store was built with a different embedding model than the one requested."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class ModelError(ProtocolMatchError):
    """The embedding model cannot be found or loaded."""
