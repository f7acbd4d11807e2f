"""A row and the rows that belong to it, INSERTed in one statement on PostgreSQL (issue 9 part 5).

Intake writes a case, its opening timeline entries, the handlers' notices and its audit entry:
four INSERTs, each ~0.2–0.4 ms at the database and ~0.3 ms of the ORM building it. Only the
first needs the database's answer (the new id, and the number its trigger makes); the others
only need that answer. `insert_together` sends them as one data-modifying `WITH`:

    WITH p AS (INSERT INTO parent (…) VALUES (…) RETURNING id, …),
         c0 AS (INSERT INTO child (…) SELECT …, p.id, … FROM p UNION ALL SELECT … FROM p),
         …
    SELECT id, … FROM p

Values are the ORM's own: each field's `pre_save` (auto_now_add and friends) and
`get_db_prep_save`, exactly what `save`/`bulk_create` would send, so constraints, checks and
column types are the database's as ever (no text is cut: a value too long for its column
fails as it would on a plain INSERT). A child column may take the parent's returned value:
- `links={"case_id": "id"}`: the column is the parent's returned column;
- inside a text value, `returned("number")` stands for that returned column (a notice's
  text "[<number>] …", a URL "/cases/<id>/").

A *guard* may go first (`guard=(sql, params)`): a statement returning one row with a boolean
column `refused` (the per-person limit's `UPDATE … RETURNING`, which also takes that row's
lock). The parent, and so every child, is inserted only when no guard row is refused; the
guard's row is returned either way, and a refused parent stays unsaved:

    WITH g AS (UPDATE … RETURNING …, (…) AS refused),
         p AS (INSERT INTO parent (…) SELECT %s::type, … WHERE NOT EXISTS (SELECT 1 FROM g WHERE g.refused)
               RETURNING id, …), …
    SELECT p.id, …, g.* FROM (SELECT 1) AS one LEFT JOIN g ON true LEFT JOIN p ON true

Nothing else changes: no signals are sent (like `bulk_create`); the parent gets its returned
values and counts as saved; children's ids are not read back (the caller does not need them).
PostgreSQL only: elsewhere callers keep their ORM path (SQLite has no data-modifying WITH)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections
from django.db.models import CharField, Model, TextField
from django.db.models.expressions import DatabaseDefault

MARK = "\ue000"  # a private-use character: never in what people type (clean_text keeps it, but
# only values built by the caller carry markers, and a marker must name a returned column)


def returned(column: str) -> str:
    """A stand-in, inside a child's text value, for the parent's returned `column`."""
    return f"{MARK}{column}{MARK}"


def supported(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def _value(field, obj, connection):
    value = field.pre_save(obj, True)
    if isinstance(value, DatabaseDefault):
        return DatabaseDefault
    return field.get_db_prep_save(value, connection)


def _cast(field, connection) -> str:
    # Text without a length, so a too-long value fails at the column (as a plain INSERT would)
    # instead of being cut by the cast.
    if isinstance(field, (CharField, TextField)):
        return "text"
    return field.db_type(connection)


# Per model and database vendor: its non-key concrete fields with their quoted column and
# cast. Depends on code and schema only (building it per call was ~a third of the Python here).
_COLUMNS: dict[tuple[type, str], list[tuple]] = {}


def _columns(model, connection) -> list[tuple]:
    key = (model, connection.vendor)
    plan = _COLUMNS.get(key)
    if plan is None:
        plan = _COLUMNS[key] = [(f, connection.ops.quote_name(f.column), _cast(f, connection))
                                for f in model._meta.local_concrete_fields if not f.primary_key]
    return plan


def insert_together(parent: Model, children: Sequence[tuple[Model, dict[str, str]]], *,
                    guard: tuple[str, Sequence] | None = None, using: str = "default") -> dict | None:
    """INSERT `parent` and each child (with its links to the parent's returned columns) in
    one statement; set the parent's returned fields (its id, database defaults). With a
    `guard`, its row (a dict, None when it matched no row) is returned, and nothing is
    inserted when it says `refused`."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RuntimeError("insert_together needs PostgreSQL; use the ORM elsewhere")
    qn = connection.ops.quote_name
    meta = parent._meta
    returning = list(meta.db_returning_fields)
    returning_columns = {f.column for f in returning}
    columns, values, params = [], [], []
    parts = []
    if guard is not None:
        parts.append(f"g AS ({guard[0]})")
        params.extend(guard[1])
    plan = _columns(type(parent), connection)
    if meta.pk not in returning:  # a key set by the caller (not made by the database) is sent
        plan = [(meta.pk, qn(meta.pk.column), _cast(meta.pk, connection)), *plan]
    for field, column, cast in plan:
        value = _value(field, parent, connection)
        if value is DatabaseDefault:
            if guard is None:
                columns.append(column)
                values.append("DEFAULT")
            continue  # INSERT … SELECT has no DEFAULT: the column is left out, which is the same
        columns.append(column)
        # A SELECT list does not take its types from the target columns as VALUES does: cast.
        values.append("%s" if guard is None else f"%s::{cast}")
        params.append(value)
    rows = (f"VALUES ({', '.join(values)})" if guard is None else
            f"SELECT {', '.join(values)} WHERE NOT EXISTS (SELECT 1 FROM g WHERE g.refused)")
    parts.append(f"p AS (INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) {rows} "
                 f"RETURNING {', '.join(qn(f.column) for f in returning)})")

    by_model: dict[type, list[tuple[Model, dict[str, str]]]] = {}
    for child, links in children:
        by_model.setdefault(type(child), []).append((child, links))
    for n, (model, rows) in enumerate(by_model.items()):
        fields = _columns(model, connection)
        selects = []
        for child, links in rows:
            exprs = []
            for field, _column, cast in fields:
                if field.attname in links:
                    column = links[field.attname]
                    if column not in returning_columns:
                        raise ValueError(f"{column!r} is not a returned column of {meta.label}")
                    exprs.append(f"p.{qn(column)}")
                    continue
                value = _value(field, child, connection)
                if value is DatabaseDefault:
                    raise ValueError(f"{model._meta.label}.{field.name}: a database default in a child row")
                expr = f"%s::{cast}"
                params.append(value)
                if isinstance(value, str) and MARK in value:
                    rest = value
                    for column in sorted(returning_columns):
                        if returned(column) in value:
                            expr = f"replace({expr}, %s, p.{qn(column)}::text)"
                            params.append(returned(column))
                            rest = rest.replace(returned(column), "")
                    if MARK in rest:
                        raise ValueError(f"{model._meta.label}.{field.name}: a marker of no returned column")
                exprs.append(expr)
            selects.append(f"SELECT {', '.join(exprs)} FROM p")
        parts.append(f"c{n} AS (INSERT INTO {qn(model._meta.db_table)} "
                     f"({', '.join(column for _f, column, _cast in fields)}) {' UNION ALL '.join(selects)})")
    selected = ', '.join('p.' + qn(f.column) for f in returning)
    if guard is None:
        sql = f"WITH {', '.join(parts)} SELECT {selected} FROM p"
    else:
        sql = f"WITH {', '.join(parts)} SELECT {selected}, g.* FROM (SELECT 1) AS one LEFT JOIN g ON true " \
              f"LEFT JOIN p ON true"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        names = [c[0] for c in cursor.description]
    guarded = None
    if guard is not None:
        n = len(returning)
        if any(v is not None for v in row[n:]):
            guarded = dict(zip(names[n:], row[n:]))
        if guarded and guarded.get("refused"):
            return guarded
        row = row[:n]
        if row[0] is None:
            raise RuntimeError("insert_together: the guard let the row through but nothing was inserted")
    for field, value in zip(returning, row):
        for converter in field.get_db_converters(connection):
            value = converter(value, None, connection)
        setattr(parent, field.attname, value)
    parent._state.adding = False
    parent._state.db = using
    for child, links in children:
        for attname, column in links.items():
            field = next(f for f in child._meta.concrete_fields if f.attname == attname)
            if field.is_relation and isinstance(parent, field.related_model):
                setattr(child, field.name, parent)  # keeps the cached parent (no read back)
            else:
                setattr(child, attname, getattr(parent, next(f.attname for f in returning if f.column == column)))
        child._state.adding, child._state.db = False, using
    return guarded
