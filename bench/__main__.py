"""`python -m bench [--quick]` runs every benchmark section and writes the report."""

import sys

from bench.cli import main

sys.exit(main())
