"""``python -m ftzsim.calibration docs/calibration.md``: regenerate the document's fit table."""

import sys
from pathlib import Path

from ftzsim.calibration.report import update_doc

update_doc(Path(sys.argv[1]))
