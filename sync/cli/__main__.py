"""`python -m sync.cli` runs the `o2c-hub` command line."""

from __future__ import annotations

from sync.cli import main

main()
