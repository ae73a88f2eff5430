"""The history store: one SQLite file (or, later, a database URL) behind small functions.

`db` opens and guards the file, `migrations` shapes it, `writes` and `reads` are the only
places with SQL, `models` is the schema's one declaration (SQLModel; the tests check
that the migrations build exactly it), and `search` folds text for the full-text index.
"""
