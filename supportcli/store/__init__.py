"""The history store: one SQLite file (or, later, a database URL) behind small functions.

`db` opens and guards the file, `migrations` shapes it, `writes` and `reads` are the only
places with SQL, `models` declares the schema with SQLModel (checked against the
migrations by the tests), and `search` folds text for the full-text index.
"""
