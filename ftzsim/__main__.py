"""``python -m ftzsim`` runs the command line."""

import sys

from ftzsim.cli import main

sys.exit(main())
