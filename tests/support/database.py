"""Reading every table of the test database, to prove what is (not) stored in it."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection


def every_stored_value() -> Iterator[str]:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is not None:
                        yield (
                            value.decode(errors="replace")
                            if isinstance(value, bytes)
                            else str(value)
                        )


def database_text() -> str:
    return "\n".join(every_stored_value())
