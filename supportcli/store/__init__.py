"""The history store: one SQLite file or a shared PostgreSQL database behind small
functions. All the SQL of the program is here, and so is every difference between the
two engines; a driver's error leaves the store as `errors.StorageFailure`.

`db` opens and guards the history (one connection per command, closed by `close_all`),
`migrations` shapes it, `writes` and `reads` change and read inquiries, `outbox` is the
email queue (claims, sent marks, follow-ups), `answers` what `sync` keeps, `maintenance`
the housekeeping after a delete, `models` is the schema's one declaration (SQLModel; the
tests check that the migrations build exactly it, so a schema change is a new migration
step and the same change there), and `search` folds text for the full-text index.
"""
