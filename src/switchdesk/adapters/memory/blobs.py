"""A blob store in memory (tests, demos)."""

from __future__ import annotations

import threading

from switchdesk.usecases.blob_ports import blob_key


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.puts = 0
        """How many times ``put`` was called (tests look at the order of writes)."""

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        with self._lock:
            self.puts += 1
            self._blobs.setdefault(key, bytes(data))
        return key

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._blobs.get(key)

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self._blobs

    def __len__(self) -> int:
        with self._lock:
            return len(self._blobs)
