"""Partner markets cover the whole world, each weight from a data file with its source, and the
model's aggregate trade responses equal the evidence's (not the evidence times the tail index)."""

from __future__ import annotations

import numpy as np
import pytest

from ftzsim import FTZModel, reference
from ftzsim.levers import AGREEMENTS

SHARES = reference.read_csv("partner_blocs_2022.csv").set_index("bloc")


def test_bloc_weights_sum_to_chinas_world_total():
    """Every economy but China is in exactly one bloc: the four blocs add up to the total."""
    blocs = SHARES.loc[list(reference.BLOCS)]
    assert blocs["china_value_100m_cny"].sum() == pytest.approx(SHARES.loc["world_total", "china_value_100m_cny"])
    assert blocs["china_share_pct"].sum() == pytest.approx(100.0, abs=0.2)  # printed shares are rounded
    assert sum(reference.bloc_shares().values()) == pytest.approx(1.0)


def test_no_bloc_is_an_artefact_of_a_top_ten_list():
    """RCEP is all 14 partners (not Japan alone), and no bloc takes half the world."""
    members = SHARES.loc["rcep", "members"].split("|")
    assert len(members) == 14 and {"Japan", "Korea", "Singapore", "Indonesia", "Australia"} <= set(members)
    shares = reference.bloc_shares()
    assert max(shares.values()) < 0.45
    assert shares["rcep"] > shares["eu"]  # 23.3% vs 13.7% (002)
    # the world-market column is a check, never larger than the world
    world = SHARES["world_imports_100m_usd"]
    assert world.drop("world_total").sum() < world["world_total"]


def test_agreement_coverage_inside_its_stated_bounds():
    df = reference.read_csv("trade_agreements.csv")
    assert set(df["agreement"]) == set(AGREEMENTS)
    assert ((df["lower"] <= df["coverage"]) & (df["coverage"] <= df["upper"])).all()
    assert set(df["bloc"]) <= set(reference.BLOCS)
    cov = reference.agreement_coverage()
    assert cov.shape == (len(AGREEMENTS), len(reference.BLOCS)) and (cov <= 1).all()


def test_model_reproduces_chinas_destination_mix_in_2021():
    """The importer weights make the model's 2021 services export mix China's observed one."""
    m = FTZModel("baseline", rng=1, build_firm_agents=False)
    m.step()
    f = m.firms
    x = (f.weight[:, None] * f.exports)[f.is_ds].sum(axis=0)
    model_mix = x / x.sum()
    data_mix = np.array([reference.bloc_shares()[b] for b in reference.BLOCS])
    np.testing.assert_allclose(model_mix, data_mix, atol=0.01)


@pytest.mark.parametrize("k", [0.8, 1.25])
def test_aggregate_exports_respond_one_for_one_to_an_aggregate_shifter(k):
    """Chaney (2008): with Pareto sizes, a firm-level shifter s moves aggregate exports by
    s^tail. The model raises aggregate shifters (access) to 1/tail at the firm level, so
    aggregate exports move one for one with them, as the gravity evidence measures."""
    m = FTZModel("baseline", rng=4, n_firms=20000, build_firm_agents=False)
    zp, f = m.zones, m.firms
    inp = zp.inputs(1)
    rev, fc = f.potential(inp)

    def total(r):
        served = np.where(r / inp.sigma > fc[:, None], r, 0.0)
        return float((f.weight * served.sum(axis=1))[f.sector == 0].sum())

    ratio = total(rev * k ** (1.0 / m.params["size_tail"])) / total(rev)
    assert ratio == pytest.approx(k, rel=0.03)


def test_bloc_weights_are_the_destination_mix_of_the_source_file():
    """partner_blocs_2022.csv restates offshore_outsourcing_destinations_2022.csv (002)."""
    src = reference.read_csv("offshore_outsourcing_destinations_2022.csv").set_index("bloc")
    for bloc in reference.BLOCS:
        assert SHARES.loc[bloc, "china_value_100m_cny"] == src.loc[bloc, "value_100m_cny"]
        assert SHARES.loc[bloc, "china_share_pct"] == src.loc[bloc, "share_pct"]
