"""Calibration of a scenario to the data, split by idea: the targets
(:mod:`ftzsim.calibration.targets`), the fit (:mod:`ftzsim.calibration.fit`) and what a fit
writes (:mod:`ftzsim.calibration.report`). ``python -m ftzsim.calibration docs/calibration.md``
regenerates the document's table from the stored fit."""

from ftzsim.calibration.fit import CalibrationResult, calibrate, evaluate, fit_parameters
from ftzsim.calibration.report import (
    DOC_END,
    DOC_START,
    MARKER,
    fit_figure,
    markdown_report,
    update_doc,
    write_calibration_block,
)
from ftzsim.calibration.targets import targets

__all__ = [
    "DOC_END",
    "DOC_START",
    "MARKER",
    "CalibrationResult",
    "calibrate",
    "evaluate",
    "fit_figure",
    "fit_parameters",
    "markdown_report",
    "targets",
    "update_doc",
    "write_calibration_block",
]
