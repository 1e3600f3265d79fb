"""`python -m specforge` runs the CLI."""

import sys

from specforge.cli import main

sys.exit(main())
