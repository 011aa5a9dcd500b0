"""One database transaction as a context manager; the units of work build on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine


class SqlTransaction:
    """Opens a connection and a transaction on enter; leaving without ``commit()`` rolls
    back. Subclasses set up their repositories in ``_opened`` and drop caches in
    ``_closed``."""

    lazy = False
    """Connect on the first statement rather than on enter (a unit of work answered from
    memory then never takes a connection)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._entered = False

    @property
    def _c(self) -> Connection:
        if self._conn is None:
            assert self._entered, "use the unit of work inside a with block"
            self._connect()
            assert self._conn is not None
        return self._conn

    def _connect(self) -> None:
        self._conn = self._engine.connect()
        self._conn.begin()
        self._opened(self._conn)

    def _opened(self, conn: Connection) -> None:
        """Called once the transaction has begun."""

    def _closed(self) -> None:
        """Called once the connection is closed."""

    def __enter__(self) -> Self:
        self._entered = True
        if not self.lazy:
            self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        if self._conn is None:
            self._closed()
            return
        try:
            self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None
            self._closed()

    def commit(self) -> None:
        if self._conn is None:
            return  # nothing was said to the database
        self._conn.commit()
        self._conn.begin()
