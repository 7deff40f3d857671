"""SQLite storage: one table per object type holding each object pre-rendered as JSON.

Serving a page is then an index range scan that returns ready bytes to join, which keeps a
100-object page well under a millisecond of CPU at a million rows. Every table is ordered by
``(created, rid)``: ``rid`` is the rowid, increasing in insertion order, which is the stable
tiebreak for objects created in the same second (the index on ``(ds, created)`` carries it).
A *dataset* (``ds``) is one account in one mode; every query is scoped to one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Filter columns kept beside the JSON body, per table.
TABLES: dict[str, tuple[str, ...]] = {
    "customers": ("email",),
    "charges": ("customer",),
    "refunds": ("charge",),
    "disputes": ("charge",),
    "balance_transactions": ("type", "source", "currency", "payout"),
    "events": ("type",),
    "payouts": ("status", "arrival_date", "destination"),
}
# Filter columns compared as numbers (the others are text).
INTEGER_COLUMNS = frozenset({"arrival_date"})

_ID_PREFIX = {
    "cus": "customers",
    "ch": "charges",
    "py": "charges",
    "re": "refunds",
    "pyr": "refunds",
    "dp": "disputes",
    "du": "disputes",
    "txn": "balance_transactions",
    "evt": "events",
    "po": "payouts",
}

Row = tuple[Any, ...]


def table_for_id(object_id: str) -> str | None:
    prefix, _, rest = object_id.partition("_")
    return _ID_PREFIX.get(prefix) if rest else None


def _insert_sql(table: str) -> str:
    columns = ("ds", "created", "id", *TABLES[table], "body")
    marks = ",".join("?" * len(columns))
    return f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})"  # noqa: S608 - fixed names


_INSERT = {table: _insert_sql(table) for table in TABLES}


class Store:
    def __init__(self, path: Path, *, cache_mb: int = 128) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        pragmas = (
            "PRAGMA journal_mode=WAL",
            # The data is disposable: a crash costs a regeneration, never a wrong answer.
            "PRAGMA synchronous=OFF",
            "PRAGMA temp_store=MEMORY",
            f"PRAGMA cache_size=-{cache_mb * 1024}",
            "PRAGMA busy_timeout=10000",
        )
        for pragma in pragmas:
            self.db.execute(pragma)

    def close(self) -> None:
        self.db.close()

    # -- schema -------------------------------------------------------------------------

    def create_schema(self) -> None:
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, doc TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS datasets "
            "(ds INTEGER PRIMARY KEY, account TEXT NOT NULL, mode TEXT NOT NULL)"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS balance_days (ds INTEGER, currency TEXT, "
            "available_on INTEGER, net INTEGER NOT NULL, "
            "PRIMARY KEY (ds, currency, available_on)) WITHOUT ROWID"
        )
        for table, extra in TABLES.items():
            columns = "".join(
                f", {name} {'INTEGER' if name in INTEGER_COLUMNS else 'TEXT'}" for name in extra
            )
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (rid INTEGER PRIMARY KEY, "
                f"ds INTEGER NOT NULL, created INTEGER NOT NULL, id TEXT NOT NULL{columns}, "
                "body BLOB NOT NULL)"
            )

    def create_indexes(self) -> None:
        """Built after the first bulk load, which is several times faster than maintaining
        them row by row; later inserts keep them up to date."""
        statements = [f"CREATE INDEX IF NOT EXISTS {t}_list ON {t} (ds, created)" for t in TABLES]
        statements += [f"CREATE UNIQUE INDEX IF NOT EXISTS {t}_id ON {t} (id)" for t in TABLES]
        statements += [
            "CREATE INDEX IF NOT EXISTS charges_customer ON charges (ds, customer, created) "
            "WHERE customer IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS customers_email ON customers (ds, email, created) "
            "WHERE email IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS refunds_charge ON refunds (ds, charge, created)",
            "CREATE INDEX IF NOT EXISTS disputes_charge ON disputes (ds, charge, created)",
            "CREATE INDEX IF NOT EXISTS bt_type ON balance_transactions (ds, type, created)",
            "CREATE INDEX IF NOT EXISTS bt_source ON balance_transactions (ds, source, created) "
            "WHERE source IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS bt_currency ON balance_transactions "
            "(ds, currency, created)",
            "CREATE INDEX IF NOT EXISTS bt_payout ON balance_transactions (ds, payout, created) "
            "WHERE payout IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS events_type ON events (ds, type, created)",
        ]
        for statement in statements:
            self.db.execute(statement)
        self.db.execute("ANALYZE")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta, accounts, keys -----------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, value))

    def save_account(self, account_id: str, doc: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO accounts (id, doc) VALUES (?, ?)", (account_id, doc)
        )

    def load_accounts(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT doc FROM accounts ORDER BY rowid")]

    def save_key(self, key: str, doc: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO api_keys (key, doc) VALUES (?, ?)", (key, doc))

    def load_keys(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT doc FROM api_keys ORDER BY rowid")]

    def new_dataset(self, account: str, mode: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO datasets (account, mode) VALUES (?, ?)", (account, mode)
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    # -- objects ------------------------------------------------------------------------

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        """Rows are ``(ds, created, id, *filter columns, body)``."""
        self.db.executemany(_INSERT[table], rows)

    def body(self, table: str, ds: int, object_id: str) -> bytes | None:
        row = self.db.execute(
            f"SELECT body FROM {table} WHERE id = ? AND ds = ?",  # noqa: S608 - fixed names
            (object_id, ds),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def bodies(self, table: str, ds: int, object_ids: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(object_ids))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, body FROM {table} WHERE id IN ({marks}) AND ds = ?"  # noqa: S608
            for object_id, body in self.db.execute(sql, (*chunk, ds)):
                found[object_id] = bytes(body)
        return found

    def children(
        self, table: str, ds: int, column: str, parents: Iterable[str], limit: int
    ) -> dict[str, list[bytes]]:
        """Each parent's newest ``limit`` children (a charge's refunds), newest first."""
        if column not in TABLES[table]:
            raise ValueError(f"{table} has no filter column {column}")
        wanted = [p for p in dict.fromkeys(parents) if p]
        found: dict[str, list[bytes]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT {column}, body FROM {table} "  # noqa: S608 - fixed names
                f"WHERE ds = ? AND {column} IN ({marks}) ORDER BY created DESC, rid DESC"
            )
            for parent, body in self.db.execute(sql, (ds, *chunk)):
                bucket = found.setdefault(parent, [])
                if len(bucket) < limit:
                    bucket.append(bytes(body))
        return found

    def position(self, table: str, ds: int, object_id: str) -> tuple[int, int] | None:
        row = self.db.execute(
            f"SELECT created, rid FROM {table} WHERE id = ? AND ds = ?",  # noqa: S608
            (object_id, ds),
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def locate(self, object_id: str) -> tuple[str, int, bytes] | None:
        """Find an object by id in any dataset: (table, ds, body)."""
        table = table_for_id(object_id)
        if table is None:
            return None
        row = self.db.execute(
            f"SELECT ds, body FROM {table} WHERE id = ?",  # noqa: S608 - fixed names
            (object_id,),
        ).fetchone()
        return None if row is None else (table, int(row[0]), bytes(row[1]))

    def update_body(self, table: str, object_id: str, body: bytes, **columns: Any) -> None:
        """Replace an object's body and, where its filter columns changed, those too."""
        for name in columns:
            if name not in TABLES[table]:
                raise ValueError(f"{table} has no filter column {name}")
        sets = "".join(f", {name} = ?" for name in columns)
        self.db.execute(
            f"UPDATE {table} SET body = ?{sets} WHERE id = ?",  # noqa: S608 - fixed names
            (body, *columns.values(), object_id),
        )

    def page(
        self,
        table: str,
        ds: int,
        conditions: Sequence[tuple[str, Sequence[Any]]],
        cursor: tuple[int, int] | None,
        newer: bool,
        limit: int,
    ) -> list[bytes]:
        """Up to `limit` bodies next to `cursor`, newest first or (when `newer`) oldest first.

        `conditions` are SQL fragments over the filter columns and ``created``; the caller
        builds them from a fixed vocabulary, never from request text.
        """
        where = ["ds = ?"]
        params: list[Any] = [ds]
        for fragment, values in conditions:
            where.append(fragment)
            params.extend(values)
        if cursor is not None:
            where.append("(created, rid) > (?, ?)" if newer else "(created, rid) < (?, ?)")
            params.extend(cursor)
        order = "ASC" if newer else "DESC"
        sql = (
            f"SELECT body FROM {table} WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY created {order}, rid {order} LIMIT ?"
        )
        params.append(limit)
        return [bytes(r[0]) for r in self.db.execute(sql, params)]

    # -- balance ------------------------------------------------------------------------

    def add_balance(self, rows: Iterable[tuple[int, str, int, int]]) -> None:
        """Rows are ``(ds, currency, available_on, net)``, summed into day buckets."""
        self.db.executemany(
            "INSERT INTO balance_days (ds, currency, available_on, net) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ds, currency, available_on) DO UPDATE SET net = net + excluded.net",
            rows,
        )

    def balance(self, ds: int, now: int) -> tuple[dict[str, int], dict[str, int]]:
        available: dict[str, int] = {}
        pending: dict[str, int] = {}
        rows = self.db.execute(
            "SELECT currency, SUM(CASE WHEN available_on <= ? THEN net ELSE 0 END), "
            "SUM(CASE WHEN available_on > ? THEN net ELSE 0 END) "
            "FROM balance_days WHERE ds = ? GROUP BY currency",
            (now, now, ds),
        )
        for currency, avail, pend in rows:
            available[str(currency)] = int(avail)
            pending[str(currency)] = int(pend)
        return available, pending

    def counts(self, ds: int | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for table in TABLES:
            if ds is None:
                row = self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608
            else:
                row = self.db.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE ds = ?",  # noqa: S608
                    (ds,),
                ).fetchone()
            out[table] = int(row[0])
        return out
