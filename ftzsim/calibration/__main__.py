"""``python -m ftzsim.calibration docs/calibration.md``: regenerate the document's generated
block from the shipped posterior's summary."""

import sys
from pathlib import Path

from ftzsim.calibration.report import update_doc

update_doc(Path(sys.argv[1]))
