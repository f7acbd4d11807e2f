"""ORM statements compiled once per process and run again with new values (issue 9 part 5).

Building a query through the ORM (resolving filters, thirteen filtered counts, a UNION of
three grouped counts) costs milliseconds of Python on every call, more than the database
spends on a small subtree. A `Statement` builds its query once per process and database
connection alias, through the ORM, with *sentinel* values in place of the values that change
(a path, a period's bounds, a substring length); it records the SQL Django executes and the
positions of the sentinels among its parameters. Later calls execute that SQL with the
real values in those positions: the same statement the ORM would send, without building it.

Rules, so the statement stays the ORM's own:
- `build(**sentinels)` must run exactly one read statement (it is executed once, with the
  sentinel values; a statement with any other number fails loudly);
- every sentinel must appear among the parameters (else the value would be lost: fail);
- text that lands inside a LIKE pattern (`'0001%'`, where Django escapes `%`, `_` and `\\`)
  must be plain letters and digits (place paths), which need no escaping, so the pattern is
  what the ORM would have sent; other text there raises ValueError (callers ask `plain`
  first and use the ORM). Text matched exactly (a role, a hash) may be anything;
- an integer value must go where 987,654,000 is in range (ids, lengths: not a small-integer
  column, where the ORM would turn the out-of-range sentinel into "no rows" at build time);
- the columns must need no conversion from the database value (counts, text) for a
  `Statement`, whose rows come from the cursor; `Rows` uses the ORM's converters.

The structure of a statement depends only on the code and the schema, never on data, so
nothing needs invalidating; the cache is keyed by the connection's alias and vendor."""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from typing import Callable

from django.db import connections

_PLAIN = re.compile(r"[0-9A-Za-z]*\Z")


def plain(text: str) -> bool:
    """Whether `text` can be a Text value (letters and digits only)."""
    return bool(_PLAIN.match(text))


class Text:
    """A text value (a place path); its sentinel is lower-case letters, which no path has."""


class Int:
    """An integer value."""


class DateTime:
    """A timezone-aware datetime."""


def _sentinel(kind, n: int):
    if kind is Text:
        return f"qxzsentinel{'abcdefghij'[n % 10]}{'klmnopqrst'[n // 10 % 10]}xzq"
    if kind is Int:
        return 987_654_000 + n  # positive: a build may run it as a length
    if kind is DateTime:
        return dt.datetime(1111, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=n + 1)
    raise TypeError(f"unknown value kind {kind!r}")


def _adapt(connection, kind, value):
    """The value as the ORM passes it to the driver (SQLite takes datetimes as UTC text)."""
    if kind is DateTime:
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Statement:
    """`Statement(name, build, under=Text, …)`; `run(under=…, …)` returns (columns, rows).
    `build(**values)` runs the query (once, with sentinels)."""

    def __init__(self, name: str, build: Callable, **kinds):
        self.name, self._build, self._kinds = name, build, kinds
        self._compiled: dict[tuple[str, str], tuple] = {}
        self._lock = threading.Lock()

    def _sentinels(self) -> dict:
        return {name: _sentinel(kind, i) for i, (name, kind) in enumerate(self._kinds.items())}

    def _compile(self, connection) -> tuple:
        seen = []

        def capture(execute, sql, params, many, context):
            seen.append((sql, list(params or ())))
            return execute(sql, params, many, context)

        sentinels = self._sentinels()
        with connection.execute_wrapper(capture):
            self._build(**sentinels)
        if len(seen) != 1:
            raise RuntimeError(f"{self.name}: building ran {len(seen)} statements, not one")
        sql, params = seen[0]
        return sql, params, self._slots(connection, params, sentinels)

    def _slots(self, connection, params, sentinels) -> list:
        """For each parameter: None (a constant), or (name, None) for a value as the backend
        adapts it, or (name, parts) for a text sentinel inside a longer text (a LIKE
        pattern): the value goes between the parts."""
        adapted = {name: _adapt(connection, self._kinds[name], value) for name, value in sentinels.items()}
        slots: list = []
        found = set()
        for param in params:
            slot = None
            for name, value in adapted.items():
                # isinstance: the driver may wrap an int (psycopg's Int4 for an expression's value)
                if isinstance(param, type(value)) and param == value:
                    slot = (name, None)
                elif self._kinds[name] is Text and isinstance(param, str) and value in param:
                    slot = (name, param.split(value))
                if slot is not None:
                    found.add(name)
                    break
            slots.append(slot)
        missing = set(sentinels) - found
        if missing:
            raise RuntimeError(f"{self.name}: values {sorted(missing)} do not reach the statement's parameters")
        return slots

    def _compiled_for(self, values: dict):
        if set(values) != set(self._kinds):
            raise TypeError(f"{self.name}: expected values {sorted(self._kinds)}")
        from django.db import DEFAULT_DB_ALIAS

        connection = connections[DEFAULT_DB_ALIAS]
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(connection)
            with self._lock:
                self._compiled[key] = compiled
        return connection, compiled

    def _bind(self, connection, params, slots, values) -> list:
        bound = []
        for param, slot in zip(params, slots):
            if slot is None:
                bound.append(param)
            elif slot[1] is None:
                value = _adapt(connection, self._kinds[slot[0]], values[slot[0]])
                bound.append(type(param)(value) if isinstance(param, int) else value)
            else:
                # Inside a LIKE pattern: only plain text means the same there unescaped.
                if not plain(str(values[slot[0]])):
                    raise ValueError(f"{self.name}: {slot[0]} must be letters and digits")
                bound.append(str(values[slot[0]]).join(slot[1]))
        return bound

    def run(self, **values) -> tuple[list[str], list[tuple]]:
        connection, (sql, params, slots) = self._compiled_for(values)
        bound = self._bind(connection, params, slots, values)
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            columns = [c[0] for c in cursor.description]
            return columns, cursor.fetchall()


class Rows(Statement):
    """A query of model instances (select_related, annotations, `[:1]` and all), compiled
    once: `build(**values)` returns the QuerySet (not run); `run(**values)` returns the list
    of instances the ORM would give, through the ORM's own row-to-object code (its
    converters, related objects and annotations); only building the SQL is skipped."""

    def _compile(self, connection) -> tuple:
        sentinels = self._sentinels()
        qs = self._build(**sentinels)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()  # also sets up what the rows are turned into
        return qs, compiler, sql, params, self._slots(connection, params, sentinels)

    def run(self, **values) -> list:
        connection, (qs, compiler, sql, params, slots) = self._compiled_for(values)
        bound = self._bind(connection, params, slots, values)
        frozen = copy.copy(compiler)  # a compiler per run: this thread's connection, these values
        frozen.connection = connection
        frozen.as_sql = lambda *args, **kwargs: (sql, bound)
        clone = qs._chain()
        clone.query = _FrozenQuery(qs.query, frozen)
        return list(clone)


class _FrozenQuery:
    """The compiled query as a QuerySet sees it: its compiler is the prepared one."""

    def __init__(self, query, compiler):
        self._query, self._compiler = query, compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)
