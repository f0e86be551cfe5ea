"""A file's rows held on disk while it is imported, not in memory: SPEC section 10 asks for memory flat in file size.

The rows go into a private temporary SQLite database (the standard library's, never the application's): a page
cache of bounded size, the rest on disk, deleted when closed. They can be read again in file order, as often as an
importer needs, or grouped by one column's value (the households of a file must be grouped by reference before any
is applied, and SQLite sorts on disk past its cache).
"""
from __future__ import annotations

import pickle
import sqlite3
from itertools import groupby
from typing import Iterable, Iterator

CHUNK = 1000  # rows per executemany
CACHE_KIB = 4096  # the temporary database's page cache


class SpilledRows:
    """(row number, {column: value}) pairs, written once in file order, then read back; `len()` is how many."""

    def __init__(self, columns: list[str], key: str | None = None):
        self.columns = columns  # the named columns, whose cells `add` is given in this order
        self.key = None if key not in columns else columns.index(key)
        self.unnamed: list[str] = []  # columns found without a name (set by the reader once it has read them all)
        self.count = 0
        self._db = sqlite3.connect("", isolation_level=None)  # "": a temporary file, deleted on close
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._db.execute("CREATE TABLE row (number INTEGER PRIMARY KEY, key TEXT, cells BLOB)")
        self._pending: list[tuple[int, str | None, bytes]] = []

    def add(self, number: int, cells: tuple, extra: dict | None = None) -> None:
        """A row: its named columns' cells in order, and `extra` cells of columns found without a name."""
        key = None if self.key is None else str(cells[self.key])
        self._pending.append((number, key, pickle.dumps((cells, extra), protocol=pickle.HIGHEST_PROTOCOL)))
        self.count += 1
        if len(self._pending) == CHUNK:
            self._flush()

    def done(self) -> SpilledRows:
        self._flush()
        return self

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO row VALUES (?, ?, ?)", self._pending)
            self._pending = []

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        return self._read("SELECT number, cells FROM row ORDER BY number")

    def grouped(self) -> Iterator[list[tuple[int, dict]]]:
        """The rows in groups sharing the key column's value, each group in file order; groups in the key's order."""
        rows = self._db.execute("SELECT key, number, cells FROM row ORDER BY key, number")
        for _, group in groupby(rows, key=lambda row: row[0]):
            yield [(number, self._values(cells)) for _, number, cells in group]

    def _read(self, query: str) -> Iterator[tuple[int, dict]]:
        for number, cells in self._db.execute(query):
            yield number, self._values(cells)

    def _values(self, stored: bytes) -> dict:
        cells, extra = pickle.loads(stored)
        values = dict(zip(self.columns, cells))
        if self.unnamed:  # every row has every column, as it does for named ones
            values.update(dict.fromkeys(self.unnamed, ""))
            values.update(extra or {})
        return values

    def close(self) -> None:
        self._db.close()

    def __eq__(self, other) -> bool:  # as the list of rows it holds (tests compare a small table with one)
        return list(self) == list(other) if isinstance(other, Iterable) else NotImplemented

    __hash__ = None
