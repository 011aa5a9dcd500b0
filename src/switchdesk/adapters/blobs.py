"""A blob store on the file system: ``<root>/<aa>/<bb>/<sha256>``, written atomically (a
temporary file in the same directory, fsync, rename, fsync of the directory), so a
reader never sees half a file and a crash leaves at most an orphan temporary file."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from switchdesk.usecases.blob_ports import blob_key

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileBlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path | None:
        if not _KEY.match(key):
            return None
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        path = self._path(key)
        assert path is not None
        if path.is_file() and path.stat().st_size == len(data):
            return key  # content-addressed: the same bytes are there already
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return key

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return path is not None and path.is_file()
