"""The simulation model: zones, regulators and firms on the zone network."""

from ftzsim.model.agents import FirmAgent, RegulatorAgent, ZoneAgent
from ftzsim.model.model import FTZModel, InvariantError

__all__ = ["FTZModel", "FirmAgent", "InvariantError", "RegulatorAgent", "ZoneAgent"]
