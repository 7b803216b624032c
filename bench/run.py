"""`make bench`: run every benchmark in bench/ and collect their JSON results.

Each benchmark is a module with a `main(argv)` that prints its figures, compares them with a
baseline measured in the same run and writes `bench/results/<name>.json`. Pass extra
arguments after `--` (e.g. `python -m bench.run ingest -- --rows 1000000`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# public_dataset needs the `eval` extra and its own interpreter: `make eval-public`
SKIP = {"run", "_common", "public_dataset"}


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)])
                  if m.name not in SKIP and not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {discover()})")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name in args.names or discover():
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        code = importlib.import_module(f"bench.{name}").main(extra)
        summary[name] = {"exit_code": code or 0,
                         "wall_seconds": round(time.perf_counter() - started, 2)}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return max((s["exit_code"] for s in summary.values()), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
