"""The query alone: every search shape of issue 21, timed inside one process.

    python benchmarks/queries.py --db benchmarks/data/history-1m.db [--runs 7]
    python benchmarks/queries.py --db postgresql+psycopg://... [--runs 7]

A whole `support list -q` process is start-up plus the query; on a loaded machine the
start-up's wall time is mostly waiting for a core. This times `reads.list_rows` with the
same filters `support list` builds (run.py's query_shapes), after one warm-up, on one
open connection, and prints the median wall and CPU time per shape: what the history's
size costs, without the process around it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import query_shapes  # noqa: E402

from supportcli.store.db import connect  # noqa: E402
from supportcli.store.dialect import is_postgres_url  # noqa: E402
from supportcli.store.reads import Filters, list_rows  # noqa: E402

OPTIONS = {"--status": "status", "--topic": "topic", "--since": "since"}


def filters_of(argv: list[str]) -> Filters:
    """`list -q WORDS [--status S] [--topic T] [--since D]` as the Filters list builds."""
    words, rest = argv[2], argv[3:]
    given = {OPTIONS[rest[i]]: rest[i + 1] for i in range(0, len(rest), 2)}
    return Filters(search=words, **given)


def timed(db, filters: Filters, runs: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    list_rows(db, filters)  # warm-up: the pages this query reads are cached from here on
    walls, cpus, found = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        found = len(list_rows(db, filters))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a history file or a database URL")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    target = args.db if is_postgres_url(args.db) else f"sqlite:///{Path(args.db).absolute()}"
    db = connect(target)
    print(f"| shape (`support list -q ...`) | rows | query, wall | query, CPU |  ({args.db})")
    print("| --- | --- | --- | --- |")
    for label, shape, _words in query_shapes():
        wall, cpu, found = timed(db, filters_of(shape), args.runs)
        shown = " ".join(shape[2:])
        print(f"| {label}: `{shown}` | {found} | {wall * 1000:.1f} ms | {cpu * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
