"""Bayesian calibration of a scenario to the data, split by idea: what is compared with the
data (:mod:`~ftzsim.calibration.targets`), the model as the calibration runs it
(:mod:`~ftzsim.calibration.simulate`), history matching and the waves of runs
(:mod:`~ftzsim.calibration.history`), the weighted ensemble the package ships
(:mod:`~ftzsim.calibration.posterior`), out-of-sample validation
(:mod:`~ftzsim.calibration.validate`) and what a calibration writes
(:mod:`~ftzsim.calibration.report`)."""

from ftzsim.calibration.history import Calibration, Settings, calibrate, candidates
from ftzsim.calibration.posterior import Posterior, load_posterior, posterior_for
from ftzsim.calibration.targets import observations

__all__ = [
    "Calibration",
    "Posterior",
    "Settings",
    "calibrate",
    "candidates",
    "load_posterior",
    "observations",
    "posterior_for",
]
