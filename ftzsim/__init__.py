"""ftzsim: an agent-based model of China's pilot free trade zones and their digital reform.

The model (:mod:`ftzsim.model`), the lever registry (:mod:`ftzsim.levers`), scenario files
(:mod:`ftzsim.scenario`), the experiment engine (:mod:`ftzsim.engine`) and figures
(:mod:`ftzsim.analysis`).

``from ftzsim import FTZModel`` works as always, but the names below are loaded on first
use (PEP 562 module ``__getattr__``), not when the package is imported: importing
``ftzsim.engine.store`` or ``ftzsim.io`` in a sweep's driver or in a command that only
reads results no longer imports the model, Mesa and numba (about 1.3 s of CPU, issue 15).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["REGISTRY", "FTZModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY = {
    "REGISTRY": "ftzsim.levers",
    "FTZModel": "ftzsim.model",
    "Scenario": "ftzsim.scenario",
    "ScenarioError": "ftzsim.scenario",
    "load_scenario": "ftzsim.scenario",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ftzsim.levers import REGISTRY
    from ftzsim.model import FTZModel
    from ftzsim.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'ftzsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
