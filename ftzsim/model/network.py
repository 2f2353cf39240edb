"""The zone network (DESIGN §3): geography plus the alliances named in the seeds.

Edges come from two sources:

* **proximity** — each zone is linked to its ``k_nearest`` neighbours by great-circle
  distance (weight 1): neighbouring provinces share ports, labour markets and officials;
* **alliances** — every pair of members of an alliance named in the seeds is linked with
  weight ``alliance_weight`` (added to a proximity tie if both exist): the coastal digital FTZ
  alliance Fujian-Zhejiang-Shanghai and the Guangdong-Hainan digital port platform (000 §4),
  the Bohai Bay alliance (000 §4), the Yangtze River Delta FTZ alliance and the
  Beijing-Tianjin-Hebei data collaboration (002).

Edge weight is tie strength. It scales reform imitation between zones and the peer term of
firm adoption.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from ftzsim.reference import great_circle_km, zones

__all__ = ["build_zone_graph", "tie_matrix", "zone_network"]


def build_zone_graph(
    zone_names: Sequence[str],
    k_nearest: int = 3,
    alliance_weight: float = 2.0,
    alliances: Mapping[str, Sequence[str]] | None = None,
) -> nx.Graph:
    """Build the weighted zone graph.

    Node attributes: ``province_zh``, ``region``, ``batch_year``, ``coastal``, ``border``,
    ``tier``, ``lat``, ``lon``. Edge attributes: ``weight`` (tie strength), ``distance_km``,
    ``kinds`` (sorted tuple of ``"proximity"`` and alliance names).
    """
    info = zones()
    g = nx.Graph()
    for name in zone_names:
        z = info[name]
        g.add_node(
            name, province_zh=z.province_zh, region=z.region, batch_year=z.batch_year,
            coastal=z.coastal, border=z.border, tier=z.tier, lat=z.lat, lon=z.lon,
        )  # fmt: skip
    names = list(zone_names)
    lat = np.array([info[n].lat for n in names])
    lon = np.array([info[n].lon for n in names])
    dist = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])

    def add(a: str, b: str, w: float, kind: str) -> None:
        if g.has_edge(a, b):
            e = g.edges[a, b]
            e["weight"] += w
            e["kinds"] = tuple(sorted({*e["kinds"], kind}))
        else:
            i, j = names.index(a), names.index(b)
            g.add_edge(a, b, weight=w, distance_km=float(dist[i, j]), kinds=(kind,))

    k = min(k_nearest, len(names) - 1)
    for i, a in enumerate(names):
        order = [j for j in np.argsort(dist[i], kind="stable") if j != i][:k]
        for j in order:
            if not g.has_edge(a, names[j]):
                add(a, names[j], 1.0, "proximity")
    for alliance, members in sorted((alliances or {}).items()):
        present = [m for m in members if m in g]
        for x in range(len(present)):
            for y in range(x + 1, len(present)):
                add(present[x], present[y], alliance_weight, alliance)
    return g


def tie_matrix(g: nx.Graph, order: Sequence[str]) -> np.ndarray:
    """Symmetric matrix of tie weights in the given node order (0 on the diagonal)."""
    return nx.to_numpy_array(g, nodelist=list(order), weight="weight")


def zone_network(
    zone_names: Sequence[str],
    k_nearest: int = 3,
    alliance_weight: float = 2.0,
    alliances: Mapping[str, Sequence[str]] | None = None,
) -> tuple[nx.Graph, np.ndarray]:
    """A model's zone graph and its tie matrix in ``zone_names`` order: new copies of a pair
    built once per arguments (a sweep builds the same network for thousands of models, and
    building it cost about half a millisecond each time)."""
    frozen = tuple(sorted((k, tuple(v)) for k, v in (alliances or {}).items()))
    graph, ties = _zone_network(tuple(zone_names), k_nearest, alliance_weight, frozen)
    return graph.copy(), ties.copy()


@functools.cache
def _zone_network(zone_names: tuple[str, ...], k_nearest: int, alliance_weight: float, alliances: tuple):
    graph = build_zone_graph(list(zone_names), k_nearest, alliance_weight, {k: list(v) for k, v in alliances})
    return graph, tie_matrix(graph, zone_names)
