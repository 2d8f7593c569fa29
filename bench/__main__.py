"""Run every benchmark module in this folder (or those named) and print the figures.

Each module has a `main()` that prints its own figures. Figures are reported, never
asserted: a noisy machine must not fail a build.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def _modules(names: list[str]) -> list[str]:
    found = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_")
    )
    unknown = [name for name in names if name not in found]
    if unknown:
        sys.exit(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(found)}"
        )
    return names or found


def main() -> None:
    for name in _modules(sys.argv[1:]):
        print(f"\n== bench.{name} ==", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"(bench.{name} took {time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
