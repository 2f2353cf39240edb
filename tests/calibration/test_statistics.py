"""The calibration's statistics against known answers: exact level factors, the analytic
level marginal against quadrature, the conditional level draws, importance weights that
recover a conjugate posterior, weighted quantiles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ftzsim import levers as L
from ftzsim.calibration.posterior import weigh
from ftzsim.calibration.simulate import LEVELS
from ftzsim.calibration.validate import weighted_quantile
from ftzsim.model import FTZModel


def test_level_factors_multiply_the_recorded_flows_exactly_and_nothing_else():
    """What lets the posterior integrate them analytically (posterior.py)."""
    kw = dict(rng=3, build_firm_agents=False, quarters=8, n_firms=1500)
    a = FTZModel("baseline", **kw, **dict.fromkeys(LEVELS, 1.0))
    b = FTZModel("baseline", **kw, level_ds_exports=1.3, level_ds_imports=0.7, level_ecommerce=1.6)
    a.run()
    b.run()
    za, zb = a.zone_frame(), b.zone_frame()
    for col, f in (("ds_exports", 1.3), ("ds_imports", 0.7), ("ecommerce_exports", 1.6)):
        np.testing.assert_allclose(zb[col], f * za[col], rtol=1e-12)
    for col in ("adoption_rate", "incidents", "openness", "exporter_share", "pending_applications"):
        np.testing.assert_array_equal(zb[col], za[col])


def _level_obs(values, sds, series, scale="level_ds_exports"):
    return pd.DataFrame({"name": [f"o{i}" for i in range(len(values))], "kind": "national_level", "year": 2021,
                         "value": values, "unit": "", "scale": scale, "series": series, "sd": sds})  # fmt: skip


def _runs(**cols):
    n = len(next(iter(cols.values())))
    base = {k: np.ones(n) for k in ("x_2021", "x_2022", "m_2021", "m_2022", "ecny_2021", "ecny_2022",
                                     "eicny_2021", "eicny_2022")}  # fmt: skip
    return pd.DataFrame({**base, **cols})


def test_level_marginal_equals_numerical_integration():
    """log ∫ Π N(log y_j | log λ + log f_j, σ_j) dU(log λ) over the registry bounds, by quadrature."""
    obs = _level_obs([2000.0, 430.0, 95.0], [0.02, 0.15, 0.15], ["x_2021", "zx_A_2022", "zx_B_2022"])
    runs = _runs(x_2021=[2100.0, 1500.0], zx_A_2022=[400.0, 300.0], zx_B_2022=[101.0, 60.0])
    out = weigh(runs, obs, [], proposal_uniform=True, seed=1, world_share_cap=False)
    p = L.get("level_ds_exports")
    lo, hi = math.log(p.lower), math.log(p.upper)
    for i in range(2):

        def f(u, i=i):
            return np.prod([stats.norm.pdf(math.log(o.value), u + math.log(runs.loc[i, o.series]), o.sd)
                            for o in obs.itertuples()]) / (hi - lo)  # fmt: skip

        val, _ = integrate.quad(f, lo, hi, points=[math.log(2000 / runs.loc[i, "x_2021"])], limit=200)
        assert out.loc[i, "loglik"] == pytest.approx(math.log(val), rel=1e-7)


def test_level_draws_follow_the_conditional_posterior():
    """Given identical runs, the drawn log level factors are N(μ, 1/P) (far from the bounds)."""
    obs = _level_obs([1000.0, 1100.0], [0.05, 0.10], ["x_2021", "x_2022"])
    n = 4000
    runs = _runs(x_2021=np.full(n, 1000.0), x_2022=np.full(n, 1000.0))
    out = weigh(runs, obs, [], proposal_uniform=True, seed=2, world_share_cap=False)
    prec = np.array([1 / 0.05**2, 1 / 0.10**2])
    mu = (prec * np.log([1.0, 1.1])).sum() / prec.sum()
    s = prec.sum() ** -0.5
    assert stats.kstest(np.log(out["level_ds_exports"]), stats.norm(mu, s).cdf).pvalue > 0.01
    # and a different seed gives different draws (they are draws, not the mean)
    assert not np.array_equal(out["level_ds_exports"],
                              weigh(runs, obs, [], proposal_uniform=True, seed=3,
                                    world_share_cap=False)["level_ds_exports"])  # fmt: skip


@pytest.mark.parametrize("proposal", ["uniform box", "prior"])
def test_importance_weights_recover_the_posterior_by_quadrature(proposal):
    """Growth observations linear in one parameter (PERT prior): the weighted mean and sd of
    the parameter match the posterior computed by quadrature, within Monte Carlo error,
    whether the runs were drawn uniformly over the box or from the prior."""
    from ftzsim.calibration.posterior import prior

    rng = np.random.default_rng(5)
    p = L.get("bass_q")
    n = 40_000
    theta = rng.uniform(p.lower, p.upper, n) if proposal == "uniform box" else prior("bass_q").rvs(n, random_state=rng)
    runs = _runs(x_2021=np.ones_like(theta), x_2022=np.exp(0.2 * theta), bass_q=theta)  # log growth = 0.2 θ
    obs = pd.DataFrame({"name": ["g"], "kind": ["growth"], "year": [2022], "value": [100 * (math.exp(0.09) - 1)],
                        "unit": ["%"], "scale": [""], "series": ["g_x"], "sd": [0.02]})  # fmt: skip
    obs = pd.concat([_level_obs([1.0], [0.02], ["x_2021"]), obs], ignore_index=True)
    out = weigh(runs, obs, ["bass_q"], proposal_uniform=proposal == "uniform box", seed=1, world_share_cap=False)
    w = out["weight"].to_numpy()
    mean = np.sum(w * theta)
    sd = math.sqrt(np.sum(w * (theta - mean) ** 2))

    def post(q):
        return prior("bass_q").pdf(q) * stats.norm.pdf(0.09, 0.2 * q, 0.02)

    z = integrate.quad(post, p.lower, p.upper)[0]
    m1 = integrate.quad(lambda q: q * post(q), p.lower, p.upper)[0] / z
    m2 = integrate.quad(lambda q: q * q * post(q), p.lower, p.upper)[0] / z
    assert mean == pytest.approx(m1, abs=0.006)
    assert sd == pytest.approx(math.sqrt(m2 - m1**2), rel=0.05)
    # the prior matters: the likelihood alone (mean 0.45) is not the answer
    assert abs(m1 - 0.45) > 0.005


def test_pert_prior_has_its_mode_at_the_registry_default():
    from ftzsim.calibration.posterior import prior

    for name in ("broadband_growth", "bass_p", "adoption_cost", "cny_per_usd_trend"):
        p = L.get(name)
        x = np.linspace(p.lower, p.upper, 20001)
        assert x[np.argmax(prior(name).pdf(x))] == pytest.approx(p.default, abs=(p.upper - p.lower) * 1e-3), name
        assert prior(name).mean() == pytest.approx((p.lower + 4 * p.default + p.upper) / 6)


def test_weighted_quantile_known_answers():
    x = np.array([3.0, 1.0, 2.0, 4.0])
    assert weighted_quantile(x, np.ones(4) / 4, 0.5)[0] == pytest.approx(2.5)
    # all the weight on one value
    assert weighted_quantile(x, np.array([0, 0, 1.0, 0]), [0.05, 0.95]).tolist() == [2.0, 2.0]
    # large equal-weight sample: the usual quantiles
    y = np.random.default_rng(0).standard_normal(200_000)
    assert weighted_quantile(y, np.full(y.size, 1 / y.size), 0.95)[0] == pytest.approx(1.6449, abs=0.02)


def test_observations_use_every_national_figure_and_no_province_growth():
    from ftzsim.calibration.targets import observations

    obs = observations()
    names = set(obs["name"])
    assert {"ds_total_growth_2020", "ds_total_growth_2021", "ds_exports_2021", "ds_imports_2021",
            "ds_exports_growth_2022", "ds_imports_growth_2022", "ecommerce_exports_cny_2021",
            "ecommerce_exports_cny_growth_2022", "ecommerce_total_cny_growth_2022"} <= names  # fmt: skip
    assert not [n for n in names if n.endswith("_growth_2022") and n.split("_")[0] in
                {"Beijing", "Shanghai", "Hainan"}]  # fmt: skip
    # e-commerce compared in the data's currency: 1.39 trillion CNY = 13,900 x 100 million CNY
    assert obs.set_index("name").loc["ecommerce_exports_cny_2021", "value"] == pytest.approx(13_900)
    # leave-last-year-out keeps nothing from 2022
    assert observations(through=2021)["year"].max() == 2021
