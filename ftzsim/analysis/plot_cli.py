"""Former home of ``ftzsim plot``; the command now lives in :mod:`ftzsim.analysis.cli`.

Kept so that ``from ftzsim.analysis.plot_cli import register`` (in ``ftzsim/cli.py``) keeps
working until that import points at :mod:`ftzsim.analysis.cli`; then delete this file.
"""

from ftzsim.analysis.cli import KINDS, make_figure, register

__all__ = ["KINDS", "make_figure", "register"]
