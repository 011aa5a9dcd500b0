"""The blob store keeps one contract on the file system and in memory: content-addressed
(the key is the SHA-256), the same bytes stored once, unknown or malformed keys None."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from switchdesk.adapters.blobs import FileBlobStore
from switchdesk.adapters.memory.blobs import MemoryBlobStore
from switchdesk.usecases.blob_ports import BlobStore


@pytest.fixture(params=["memory", "files"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    return FileBlobStore(tmp_path / "blobs")


def test_a_blob_is_kept_under_its_sha256_and_read_back(store: BlobStore) -> None:
    data = b"%PDF-1.4 a small file\x00\xff"
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key)
    assert store.get(key) == data


def test_the_same_bytes_twice_are_one_blob(store: BlobStore) -> None:
    assert store.put(b"same") == store.put(b"same")
    assert store.put(b"other") != store.put(b"same")
    assert store.get(hashlib.sha256(b"same").hexdigest()) == b"same"


def test_unknown_and_malformed_keys_find_nothing(store: BlobStore) -> None:
    store.put(b"something")
    for key in ["0" * 64, "../../etc/passwd", "", "A" * 64, "0" * 63]:
        assert store.get(key) is None
        assert not store.exists(key)


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    key = store.put(b"")
    assert store.exists(key)
    assert store.get(key) == b""


def test_the_file_store_leaves_no_temporary_files_and_one_file_per_content(
    tmp_path: Path,
) -> None:
    store = FileBlobStore(tmp_path)
    for _ in range(3):
        key = store.put(b"x" * 10_000)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [key]
    assert files[0].relative_to(tmp_path).parts[:2] == (key[:2], key[2:4])


def test_a_failed_write_leaves_no_blob_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlobStore(tmp_path)

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.put(b"never half stored")
    monkeypatch.undo()
    assert not store.exists(hashlib.sha256(b"never half stored").hexdigest())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
