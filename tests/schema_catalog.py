"""A database's schema as plain data, read from the engine's own catalog, so that the
database the migrations built and the one SQLAlchemy builds from `store/models.py` can be
compared with one `==` (and a failure shows the difference).

SQLite keeps a table's CHECK constraints and an index's WHERE clause only in the SQL text
it was created with, so those two are read from that text; everything else comes from the
pragmas. PostgreSQL's catalog is read whole and normalised by the server itself
(`format_type`, `pg_get_expr`, `pg_get_constraintdef`, `pg_indexes.indexdef`).
"""

from __future__ import annotations

import difflib
import pprint
import re
from typing import Any


def assert_same(built: dict[str, Any], declared: dict[str, Any]) -> None:
    """Fail with the lines that differ, as a unified diff (a catalog is long)."""
    if built == declared:
        return
    diff = difflib.unified_diff(
        pprint.pformat(declared, width=100).splitlines(),
        pprint.pformat(built, width=100).splitlines(),
        "declared by models.py",
        "built by the migrations",
        lineterm="",
    )
    raise AssertionError("the schemas differ:\n" + "\n".join(diff))


# ---------------------------------------------------------------- SQLite


def sqlite_catalog(db: Any) -> dict[str, Any]:
    """Every table (virtual and FTS5 shadow tables included), index and trigger."""
    objects = db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    tables = {}
    for kind, name, _, sql in objects:
        if kind == "table":
            tables[name] = _sqlite_table(db, name, sql)
    catalog = {
        "tables": tables,
        "triggers": {
            name: (table, squeeze(sql)) for kind, name, table, sql in objects if kind == "trigger"
        },
        "views": sorted(name for kind, name, _, _ in objects if kind == "view"),
    }
    for config in ("search_fts_config", "search_inquiry_config"):  # FTS5's settings (m007)
        if config in tables:
            catalog[config] = sorted(db.execute(f"SELECT k, v FROM {config}"))
    return catalog


def _sqlite_table(db: Any, name: str, sql: str) -> dict[str, Any]:
    if sql.upper().startswith("CREATE VIRTUAL TABLE"):
        return {"virtual": squeeze(sql.partition(" USING ")[2])}
    (kind, without_rowid, strict) = db.execute(
        "SELECT type, wr, strict FROM pragma_table_list WHERE name = ?", (name,)
    ).fetchone()
    columns = db.execute(f"PRAGMA table_xinfo({name})").fetchall()
    keys = [c for c in columns if c[5]]
    return {
        "kind": kind,
        "without_rowid": without_rowid,
        "strict": strict,
        # AUTOINCREMENT: ids are never reused (sqlite_sequence keeps the highest).
        "autoincrement": bool(re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE)),
        "columns": [_sqlite_column(c, len(keys) == 1) for c in columns],
        "primary_key": [c[1] for c in sorted(keys, key=lambda c: c[5])],
        "checks": sorted(checks(sql)),
        "foreign_keys": sorted(
            tuple(row[2:8]) for row in db.execute(f"PRAGMA foreign_key_list({name})")
        ),
        "indexes": {
            row[1]: _sqlite_index(db, row) for row in db.execute(f"PRAGMA index_list({name})")
        },
    }


def _sqlite_column(info: Any, single_key: bool) -> tuple[Any, ...]:
    _, name, declared, notnull, default, pk, hidden = info
    # `id INTEGER PRIMARY KEY` is the rowid, never NULL, whether or not NOT NULL is written
    # (SQLAlchemy writes it, the migrations do not). Any other primary key in SQLite takes
    # NULL unless NOT NULL is written, so there the flag is compared as it is.
    rowid = single_key and pk == 1 and declared.upper() == "INTEGER"
    return (name, declared.upper(), bool(notnull) or rowid, default, hidden)


def _sqlite_index(db: Any, row: Any) -> dict[str, Any]:
    _, name, unique, origin, partial = row
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    where = None
    if partial:
        where = squeeze(re.split(r"\bWHERE\b", sql[0], maxsplit=1, flags=re.I)[1])
    keys = [
        (col[2], col[3], col[4])  # name, descending, collation
        for col in db.execute(f"PRAGMA index_xinfo({name})")
        if col[5]
    ]
    return {"unique": unique, "origin": origin, "columns": keys, "where": where}


def checks(sql: str) -> list[str]:
    """The expressions of every CHECK (...) in a CREATE TABLE statement, whitespace
    squeezed; column or table constraint, named or not, they mean the same in SQLite."""
    found, n, depth, start = [], 0, 0, -1
    while n < len(sql):
        char = sql[n]
        if char in "'\"`":
            n = sql.index(char, n + 1) + 1  # skip a literal or a quoted name
            continue
        if depth == 0 and start < 0:
            match = re.compile(r"\bCHECK\s*\(", re.I).match(sql, n)
            if match and (n == 0 or not (sql[n - 1].isalnum() or sql[n - 1] == "_")):
                start, depth, n = match.end(), 1, match.end()
                continue
        elif start >= 0:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                found.append(squeeze(sql[start:n]))
                start = -1
        n += 1
    return found


def squeeze(sql: str) -> str:
    return " ".join(sql.split())


# ---------------------------------------------------------------- PostgreSQL

_PG_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

_PG_CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s
ORDER BY c.relname, k.conname
"""


def postgres_catalog(cursor: Any, schema: str = "support") -> dict[str, Any]:
    """Tables, columns in order, constraints, indexes, sequences and triggers of `schema`,
    read through a psycopg cursor (`%s` parameters)."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        cursor.execute(sql, (schema,))
        return [tuple(row) for row in cursor.fetchall()]

    tables: dict[str, dict[str, Any]] = {}
    for table, *column in rows(_PG_COLUMNS):
        entry = tables.setdefault(table, {"columns": [], "constraints": [], "indexes": []})
        entry["columns"].append(tuple(column))
    for table, *constraint in rows(_PG_CONSTRAINTS):
        tables[table]["constraints"].append(tuple(constraint))
    for table, name, definition in rows(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
        "ORDER BY tablename, indexname"
    ):
        tables[table]["indexes"].append((name, definition))
    return {
        "tables": tables,
        "other_relations": rows(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind NOT IN ('r', 'p', 'i') "
            "ORDER BY c.relname"
        ),
        "sequences": rows(
            "SELECT sequencename, data_type::text, start_value, min_value, max_value, "
            "increment_by, cycle, cache_size FROM pg_sequences WHERE schemaname = %s "
            "ORDER BY sequencename"
        ),
        "triggers": rows(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname"
        ),
        "functions": rows(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s ORDER BY p.proname"
        ),
    }
