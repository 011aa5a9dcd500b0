"""One database transaction as a context manager; the units of work build on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine


class SqlTransaction:
    """Opens a connection and a transaction on enter; leaving without ``commit()`` rolls
    back. Subclasses set up their repositories in ``_opened`` and drop caches in
    ``_closed``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    @property
    def _c(self) -> Connection:
        assert self._conn is not None, "use the unit of work inside a with block"
        return self._conn

    def _opened(self, conn: Connection) -> None:
        """Called once the transaction has begun."""

    def _closed(self) -> None:
        """Called once the connection is closed."""

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._conn.begin()
        self._opened(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None
            self._closed()

    def commit(self) -> None:
        self._c.commit()
        self._c.begin()
