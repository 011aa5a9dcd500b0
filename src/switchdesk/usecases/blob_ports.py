"""The blob store port: bytes kept by their SHA-256 (content-addressed, so the same file
is stored once however often it arrives)."""

from __future__ import annotations

import hashlib
from typing import Protocol


def blob_key(data: bytes) -> str:
    """The key a blob store files ``data`` under: its SHA-256, lower-case hex."""
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Keep ``data`` durably (on return it survives a crash); returns its key
        (:func:`blob_key`). Putting the same bytes again changes nothing."""
        ...

    def get(self, key: str) -> bytes | None:
        """The bytes under ``key``; None when there are none (or the key is malformed)."""
        ...

    def exists(self, key: str) -> bool: ...
