"""The simulation model: zones, regulators and firms on the zone network."""

from ftzsim.model import _mesa  # noqa: F401  (first: Mesa imported with pandas deferred)
from ftzsim.model.agents import FirmAgent, RegulatorAgent, ZoneAgent
from ftzsim.model.model import FTZModel, InvariantError

__all__ = ["FTZModel", "FirmAgent", "InvariantError", "RegulatorAgent", "ZoneAgent"]
