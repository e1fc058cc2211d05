"""`python -m flows ...`: a thin alias of `albumml flows ...` (the one command line), kept for scripts."""

from __future__ import annotations

import sys

from albumml.cli import main

if __name__ == "__main__":
    sys.argv = ["albumml", "flows", *sys.argv[1:]]
    main()
