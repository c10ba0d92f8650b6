"""`field__in_ids=ids_text(ids)`: "field is one of these ids" as ONE SQL parameter, whatever
the number of ids.

Why: Django writes `field__in=[...]` as `IN (%s, %s, …)`, one parameter per id. On
PostgreSQL the driver binds them on the client (psycopg's ClientCursor, Django's default),
and a read of 300 patients' rows spent ≈ 2.3 ms of the web process's CPU on its 300
parameters against ≈ 0.4 ms with the ids as one text (measured, docs/benchmarks.md
"Session 9"). And a query whose number of parameters changes with the data has no fixed
SQL, so it cannot be a prebuilt read (core/prebuilt.py); with one text parameter it can.

The ids travel as a comma-separated text of integers ("12,7,33"; "" for none), made by
`ids_text` from ints only, and sent as a parameter, never spliced into the SQL:
- PostgreSQL: `field = ANY(string_to_array(%s, ',')::bigint[])` (an index scan with an
  array, as for `IN`);
- SQLite: `field IN (SELECT value FROM json_each('[' || %s || ']'))` (JSON1 is built into
  the SQLite Python ships with).
"""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Lookup


def ids_text(ids: Iterable[int]) -> str:
    """The `in_ids` value of `ids`: ints only (a str or a None is refused here, not sent)."""
    parts = []
    for value in ids:
        if type(value) is not int:
            raise TypeError(f"in_ids takes int ids, not {type(value).__name__}")
        parts.append(str(value))
    return ",".join(parts)


class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False  # the text goes to the database as it is

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, tuple[str]]:
        if not isinstance(value, str):
            # A list would be bound as an array on PostgreSQL and fail on SQLite: one way in.
            raise TypeError("in_ids takes the text of ids_text(ids)")
        return "%s", (value,)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = (*lhs_params, *rhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(string_to_array({rhs}, ',')::bigint[])", params
        if connection.vendor == "sqlite":
            # lhs and rhs are Django's column and placeholder; the ids are the parameter.
            return f"{lhs} IN (SELECT value FROM json_each('[' || {rhs} || ']'))", params  # noqa: S608
        raise NotImplementedError(f"in_ids on {connection.vendor}")


# Integer columns (ids, BigAutoField included) and foreign keys (`patient_id__in_ids`).
models.IntegerField.register_lookup(InIds)
models.ForeignKey.register_lookup(InIds)
