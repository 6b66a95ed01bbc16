"""The task service's database on PostgreSQL, through psycopg 3.

`PgDatabase` has the interface of the SQLite `Database` (db.py): the
seed's SQL, written with sqlite3's qmark `?` placeholders, runs unchanged;
rows come back as dicts. Only the placeholders differ between the drivers,
so they are translated here, once per distinct SQL text:

* `?` outside string literals, quoted identifiers and comments becomes `%s`;
* `:name` there (sqlite3's named style, which `QueryManager.build_query`'s
  templates use, with a dict of values) becomes `%(name)s`; a `::type`
  cast is left alone;
* every literal `%` becomes `%%`, inside literals too: psycopg reads `%`
  in the whole text, not knowing SQL quoting.

A transaction starts with the first statement and lasts until `commit()` or
`rollback()`, as with sqlite3's default isolation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row


def qmark_to_format(sql: str) -> str:
    """`sql` with qmark and named placeholders in psycopg's `%s` / `%(name)s`
    form (see the module doc)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            end = sql.find(c, i + 1)
            end = n if end < 0 else end + 1
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end + 1
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "?":
            out.append("%s")
            i += 1
        elif sql.startswith("::", i):
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1:end]})s")
            i = end
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class PgDatabase:
    """One psycopg connection to a cluster, given as a libpq conninfo
    (`PgCluster::conninfo` on the Rust side)."""

    def __init__(self, conninfo: str) -> None:
        self.conn = psycopg.connect(conninfo, row_factory=dict_row)
        self._translated: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = qmark_to_format(sql)
        return translated

    def execute(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[dict[str, Any]]:
        """Runs one statement; its rows as dicts (none for a write). `params`
        is a sequence for `?` SQL, a dict for `:name` SQL (as with sqlite3)."""
        # Params always passed (even empty), so `%%` is always read back as `%`.
        values = dict(params) if isinstance(params, Mapping) else tuple(params)
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), values)
            return cur.fetchall() if cur.description is not None else []

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(self._sql(sql), [tuple(p) for p in seq_of_params])

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()

    def get_all_sessions(self) -> list[dict[str, Any]]:
        """Every session row, as the seed's `get_all_sessions()` (the N+1 loop's read)."""
        return self.execute("SELECT * FROM sessions")

    def __enter__(self) -> PgDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
