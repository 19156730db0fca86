"""`python -m tests.mutation` (make mutation): see runner.py."""

import sys

from tests.mutation.runner import main

raise SystemExit(main(sys.argv[1:]))
