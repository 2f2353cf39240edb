"""ftzsim: an agent-based model of China's pilot free trade zones and their digital reform.

The model (:mod:`ftzsim.model`), the lever registry (:mod:`ftzsim.levers`), scenario files
(:mod:`ftzsim.scenario`), the experiment engine (:mod:`ftzsim.engine`) and figures
(:mod:`ftzsim.analysis`).
"""

from ftzsim.levers import REGISTRY
from ftzsim.model import FTZModel
from ftzsim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["REGISTRY", "FTZModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
