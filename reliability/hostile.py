"""Run the hostile-input corpus (tests/test_hostile.py) whole and report its figures.

    python reliability/hostile.py [--json docs/reliability-hostile.json]

The test suite runs the same cases spread over its workers, and each case fails on its own
findings; the figures over the whole corpus (cases by group, accepted and refused, every
kind of finding, the known bugs) need every case in one process, so they come from here:
one pytest run of the module without workers, then the module's `figures_report()`.
Exit status 0 only if every case passed and every figure is 0."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "tests" / "test_hostile.py"


class Figures:
    """A pytest plugin that keeps the module's report at the end of the session."""

    def __init__(self) -> None:
        self.report: dict[str, Any] | None = None

    def pytest_sessionfinish(self, session: Any) -> None:
        for item in session.items:
            module = getattr(item, "module", None)
            if module is not None and hasattr(module, "figures_report"):
                self.report = module.figures_report()
                self.report["corpus_cases"] = module.corpus_size()
                return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    import pytest  # the test extra's; imported here so that --help works without it

    plugin = Figures()
    # -n 0: no xdist workers, so that every case counts into this process's figures.
    code = pytest.main([str(MODULE), "-n", "0", "-q", "-p", "no:cacheprovider"], plugins=[plugin])
    report = plugin.report
    if report is None or report["cases"] + report["skipped"] < report.pop("corpus_cases"):
        print("hostile.py: the corpus did not run whole; no figures", file=sys.stderr)
        return 1
    print(json.dumps({k: report[k] for k in ("cases", "figures", "runtime_seconds")}, indent=2))
    print("including known bugs:", json.dumps(report["figures_including_known_bugs"]))
    if args.json:
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        args.json.write_text(text, encoding="utf-8")
    return 1 if code != 0 or any(report["figures"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
