"""Regression guards for the per-quarter and summary speed-ups of a whole run (issue 15).

Each speed-up replaces a slower computation of the same numbers; these tests pin the
replacement to what it replaced, exactly (no tolerance): the golden outputs
(``tests/model/test_golden.py``) cover three runs, these cover the cases those runs never
reach (partial final years, NaN and infinite values, large Poisson means).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ftzsim import FTZModel, load_scenario
from ftzsim.model.zones import poisson_quantile
from ftzsim.outcomes import NATIONAL_OUTCOMES, summarize


def _poisson_quantile_numpy(u, lam):
    """The NumPy search :func:`poisson_quantile` used before its loop was compiled."""
    u = np.asarray(u, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    big = lam > 500.0
    small = np.where(big, 0.0, lam)
    k = np.zeros_like(small)
    pmf = np.exp(-small)
    cdf = pmf.copy()
    todo = (cdf < u) & ~big
    while todo.any():
        k = np.where(todo, k + 1, k)
        pmf = np.where(todo, pmf * small / np.maximum(k, 1.0), pmf)
        cdf = np.where(todo, cdf + pmf, cdf)
        todo = todo & (cdf < u) & (pmf > 1e-300)
    return k, big


def test_poisson_quantile_equals_the_numpy_search():
    """The compiled search gives the NumPy search's counts for every value, from means of 0
    to 500 (where the normal approximation takes over) and uniforms up to 1 - 2^-53."""
    rng = np.random.default_rng(11)  # fixture: arbitrary test values
    lam = np.concatenate([[0.0, 1e-300, 499.9, 500.0, 0.3, 30.0], rng.exponential(20.0, 5000)])
    u = np.concatenate([[0.5, 0.99, 1 - 2**-53, 0.0, 1 - 2**-53, 1 - 2**-53], rng.random(5000)])
    got = poisson_quantile(u, lam)
    want, big = _poisson_quantile_numpy(u, lam)
    np.testing.assert_array_equal(got[~big], want[~big])
    assert got[3] == 0.0 and got[4] >= 3.0 and got[5] > 50.0  # known limits: 0 at mean 0, far tails
    # means above 500 keep the normal approximation: mean 600 at u = 0.5 gives 600
    np.testing.assert_array_equal(poisson_quantile(np.array([0.5, 0.5]), np.array([600.0, 2.0])), [600.0, 2.0])


def _frame_summary_equals_array_summary(m: FTZModel) -> None:
    want = summarize(m.national_frame())
    got = m.summary()
    assert list(got) == list(want)
    for k, v in want.items():
        assert got[k] == v or (np.isnan(got[k]) and np.isnan(v)), f"{k}: {got[k]!r} != {v!r}"


@pytest.mark.parametrize(
    ("start", "quarters", "seed"),
    [
        ((2021, 1), 20, 1),  # whole final year
        ((2021, 1), 6, 2),  # final year of 2 quarters
        ((2021, 3), 8, 3),  # partial first and final years
        ((2021, 4), 1, 4),  # a single quarter
    ],
)
def test_summary_from_arrays_equals_summary_of_the_frame(start, quarters, seed):
    """``model.summary()`` (from the recorded arrays) equals ``summarize(national_frame())``
    to the bit, for whole and partial final years."""
    sc = dataclasses.replace(load_scenario("classroom"), start=start, quarters=quarters)
    m = FTZModel(sc, rng=seed, build_firm_agents=False).run()
    assert m.steps == quarters
    _frame_summary_equals_array_summary(m)


def test_summary_from_arrays_with_nan_and_infinite_values():
    """With NaN or infinite values in the recorded series the two summaries still agree:
    pandas then sums with compensation skipping NaN and takes the last value not NaN."""
    m = FTZModel("classroom", rng=5, quarters=8, build_firm_agents=False).run()
    nat = m.recorder.national
    names = list(NATIONAL_OUTCOMES)
    nat[7, names.index("ds_exports")] = np.nan  # a flow, last quarter
    nat[5, names.index("goods_exports")] = np.inf
    nat[6, names.index("ecommerce_exports")] = np.nan
    nat[4:, names.index("ds_imports")] = np.nan  # a flow without values in the final year
    nat[7, names.index("adoption_rate")] = np.nan  # a stock: the last value not NaN counts
    nat[4:, names.index("digital_level")] = np.nan  # a stock without values in the final year
    _frame_summary_equals_array_summary(m)
    s = m.summary()
    assert s["final_adoption_rate"] == nat[6, names.index("adoption_rate")]
    assert s["final_goods_exports"] == np.inf
    assert s["final_ds_imports"] == 0.0 and np.isnan(s["final_digital_level"])


STATE = ("digital_level", "adopted", "approval", "applied_step", "exports", "incident")


def _state(f) -> dict[str, np.ndarray]:
    return {k: getattr(f, k).copy() for k in STATE}


def test_kept_exp_values_are_never_stale():
    """The kernel reads a non-adopter's ``exp`` back only when its argument is the same: after
    the digital boost and some firms' digital levels change, a step with the kept values
    gives exactly what a step that recomputes every ``exp`` gives."""
    m = FTZModel("baseline", rng=6, n_firms=3000, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    kept = np.isfinite(f.exp_arg)
    assert kept.sum() == (~f.adopted).sum() > 0  # every non-adopter's value is kept
    changed = np.flatnonzero(~f.adopted)[:200]
    f.digital_level[changed] += 0.05
    for boost in (inp.boost, 1.7 * inp.boost):
        inp2 = dataclasses.replace(inp, boost=boost)
        before = _state(f)
        arg, val = f.exp_arg.copy(), f.exp_val.copy()
        acc_kept, after_kept = f.step(inp2, 2), _state(f)
        for k, v in before.items():
            getattr(f, k)[...] = v
        f.exp_arg[:] = np.nan  # nothing kept: every exp computed afresh
        acc_fresh, after_fresh = f.step(inp2, 2), _state(f)
        np.testing.assert_array_equal(acc_kept, acc_fresh)
        for k in STATE:
            np.testing.assert_array_equal(after_kept[k], after_fresh[k], err_msg=k)
        for k, v in before.items():
            getattr(f, k)[...] = v
        f.exp_arg[:], f.exp_val[:] = arg, val


def test_population_step_rejects_indices_outside_the_population():
    """The kernel indexes without bounds checks, so the population step checks ``idx``."""
    m = FTZModel("classroom", rng=1, build_firm_agents=False)
    m.step()
    inp = m.zone_inputs()
    for bad in ([-1], [m.firms.n]):
        with pytest.raises(IndexError, match="firm indices"):
            m.firms.step(inp, 2, idx=bad)


def test_compiled_imitation_equals_the_numpy_expression():
    """The compiled imitation terms of ``ZonePopulation.quarter`` equal the NumPy expression
    they replaced, to the bit (random levels with ties, zero weights and equal levels)."""
    from ftzsim.model.zones import _imitation

    rng = np.random.default_rng(3)  # fixture: arbitrary test values
    for k, nz, nl in ((22, 22, 12), (1, 22, 12), (5, 7, 3)):
        start = np.round(rng.random((nz, nl)), 1)  # the reform grid: many equal levels
        pol = np.round(rng.random((k, nl)), 1)
        weight = rng.random((k, nz)) * (rng.random((k, nz)) < 0.6)
        better = start[None, :, :] > pol[:, None, :] + 1e-12
        pr = weight[:, :, None] * better
        want_prob = 1.0 - np.prod(1.0 - pr, axis=1)
        want_best = np.max(np.where(better & (pr > 0), start[None, :, :], 0.0), axis=1)
        prob, best = _imitation(weight, start, pol)
        np.testing.assert_array_equal(prob, want_prob)
        np.testing.assert_array_equal(best, want_best)
        assert (prob > 0).any() and (best > 0).any()


def test_compiled_mark_reached_equals_the_numpy_expression():
    """``ZonePopulation.mark_reached`` (compiled) records what the NumPy expression it
    replaced records: the step where a level rises to a grid level, NEVER where it falls
    below, the old record elsewhere (levels exactly on the grid included)."""
    from ftzsim.model.zones import LEVELS, NEVER, _mark_reached

    rng = np.random.default_rng(4)  # fixture: arbitrary test values
    policy = np.round(rng.random((22, 12)), 1)
    policy[0, :3] = [0.3 + 1e-10, 0.3 - 1e-10, 0.3 - 2e-9]  # at the grid's 1e-9 margin
    before = np.round(rng.random((22, 12)), 1)
    reached_at = rng.integers(-20, 30, (22, 12, 10))
    for idx in (np.arange(22), np.array([5]), np.array([3, 0, 17])):
        want = reached_at.copy()
        now, prev = policy[idx][:, :, None], before[idx][:, :, None]
        up = (now >= LEVELS - 1e-9) & (prev < LEVELS - 1e-9)
        down = now < LEVELS - 1e-9
        want[idx] = np.where(up, 7, np.where(down, NEVER, reached_at[idx]))
        got = reached_at.copy()
        _mark_reached(got, policy, idx, before[idx], 7, LEVELS)
        np.testing.assert_array_equal(got, want)
        assert (got[idx] == 7).any() and (got[idx] == NEVER).any()


def test_pending_since_equals_the_numpy_selection():
    """The regulators' queue (pending applications old enough) is what NumPy selects."""
    from ftzsim.model.kernel import pending_since

    rng = np.random.default_rng(5)  # fixture: arbitrary test values
    approval = rng.integers(0, 3, 5000).astype(np.int8)
    applied = rng.integers(-1, 12, 5000).astype(np.int32)
    for t, wait in ((12, 0), (12, 2), (3, 5), (0, 0)):
        want = np.flatnonzero((approval == 1) & (t - applied >= wait))
        np.testing.assert_array_equal(pending_since(approval, applied, t, wait), want)
    assert len(pending_since(approval, applied, 12, 2)) > 0


def test_compiled_anchor_flows_equal_the_numpy_expressions():
    """The first-quarter flows of ``ZonePopulation.anchor`` (compiled) equal the NumPy
    expressions they replaced to the bit: approvals, served and potential revenue summed by
    zone and sector (row sums in bloc order, ``add.at`` in firm order)."""
    from ftzsim.model.zones import _anchor_flows

    rng = np.random.default_rng(6)  # fixture: arbitrary test values
    n, nz, nb, sigma, pp = 4000, 7, 4, 3.7, 0.35
    rev = rng.pareto(1.5, (n, nb)) * 10.0 ** rng.integers(-2, 3, (n, 1))
    rev[rng.random((n, nb)) < 0.2] = 0.0
    fc = rng.random(n) * 5.0
    is_ds = rng.random(n) < 0.3
    zone, sector, weight = rng.integers(0, nz, n), rng.integers(0, 3, n), rng.random(n) * 50
    approval = np.zeros(n, dtype=np.int8)
    flows, pots = _anchor_flows(rev, fc, sigma, 1 - pp, is_ds, zone, sector, weight, nz, approval)
    want_approval = np.where(is_ds & (rev / sigma > fc[:, None]).any(axis=1), 2, 0)
    limited = is_ds & (want_approval != 2)
    rev_eff = np.where(limited[:, None], rev * (1 - pp), rev)
    served = np.where(rev_eff / sigma > fc[:, None], rev_eff, 0.0).sum(axis=1)
    want_flows, want_pots = np.zeros((nz, 3)), np.zeros((nz, 3))
    np.add.at(want_flows, (zone, sector), weight * served)
    np.add.at(want_pots, (zone, sector), weight * rev.sum(axis=1))
    np.testing.assert_array_equal(approval, want_approval)
    np.testing.assert_array_equal(flows, want_flows)
    np.testing.assert_array_equal(pots, want_pots)
    assert 0 < (approval == 2).sum() < is_ds.sum()  # some services firms approved, not all


def _process_queues_sorted(f, capacity, t, min_wait):
    """The review queue as it was: always sorted first come first served."""
    pend = np.flatnonzero((f.approval == 1) & (t - f.applied_step >= min_wait))
    if len(pend) == 0 or not capacity.any():
        return np.zeros(f.n_zones), np.zeros(f.n_zones)
    pend = pend[np.lexsort((f.tiebreak[pend], f.applied_step[pend], f.zone[pend]))]
    zp = f.zone[pend]
    take = pend[np.arange(len(pend)) - np.searchsorted(zp, zp) < capacity[zp]]
    f.approval[take] = 2
    zt = f.zone[take]
    return (np.bincount(zt, minlength=f.n_zones).astype(float),
            np.bincount(zt, weights=(t - f.applied_step[take]).astype(float), minlength=f.n_zones))  # fmt: skip


@pytest.mark.parametrize("capacity_per_zone", [0, 1, 3, 1000])
def test_review_queue_equals_the_sorted_queue(capacity_per_zone):
    """Approvals and waits per zone are those of the always-sorted queue, whether every queue
    fits its capacity (no sorting needed) or some are cut first come first served."""
    m = FTZModel("baseline", rng=8, n_firms=3000, build_firm_agents=False)
    f = m.firms
    rng = np.random.default_rng(9)  # fixture: a queue of 600 applications over 12 quarters
    f.approval[:] = 0
    f.approval[rng.choice(f.n, 600, replace=False)] = 1
    f.applied_step[:] = rng.integers(0, 12, f.n)
    capacity = np.full(f.n_zones, capacity_per_zone)
    if capacity_per_zone < 1000:  # some queues cut; with 1000 every queue fits
        capacity[:3] = [0, 2, 50]
    before = f.approval.copy()
    want = _process_queues_sorted(f, capacity, 12, 2)
    want_approval = f.approval.copy()
    f.approval[:] = before
    got = f.process_queues(capacity, 12, 2)
    np.testing.assert_array_equal(f.approval, want_approval)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].sum() > 0


def _regulate_numpy(idx, active, request, allowed, rate, tol, step, tighten, tightenings, inspection, base, gain,
                    rc, n_ds, credit):  # fmt: skip
    """The zone regulators' ratchet, inspection and capacity as NumPy computed them."""
    act = active[idx]
    over = rate[idx] > tol
    opened = np.where(request > allowed[idx], allowed[idx] + step * (request - allowed[idx]), request)
    new = np.where(over, allowed[idx] * (1 - tighten), opened)
    allowed[idx] = np.where(act, np.minimum(request, new), 0.0)
    tightenings[idx] += over & act
    inspection[idx] = np.where(act, np.minimum(0.95, base * gain), 0.0)
    exact = rc * n_ds[idx] * gain * act + credit[idx]
    capacity = np.zeros(len(active), dtype=np.int64)
    capacity[idx] = np.floor(exact + 1e-9)
    credit[idx] = exact - capacity[idx]
    return capacity


def test_compiled_regulators_equal_the_numpy_expressions():
    """Ratchet, inspection and review capacity of the zone regulators (compiled) equal the
    NumPy expressions they replaced, to the bit, over rates above and below the tolerance,
    requests above and below the allowance, inactive zones and NaN rates or requests."""
    from ftzsim.model.zones import _regulate_zones

    rng = np.random.default_rng(10)  # fixture: arbitrary test values
    nz = 22
    for idx in (np.arange(nz), np.array([4]), np.array([2, 9, 0])):
        state = {
            "allowed": rng.random(nz), "tightenings": rng.integers(0, 5, nz), "inspection": rng.random(nz),
            "credit": rng.random(nz),
        }  # fmt: skip
        active = rng.random(nz) < 0.8
        rate = rng.random(nz) * 2.0
        rate[1] = np.nan
        request = np.round(rng.random(len(idx)), 1)
        request[0] = np.nan if len(idx) > 2 else request[0]
        gain = 1 + rng.random(len(idx))
        n_ds = rng.integers(0, 300, nz)
        want = {k: v.copy() for k, v in state.items()}
        want_cap = _regulate_numpy(idx, active, request, want["allowed"], rate, 1.0, 0.3, 0.25, want["tightenings"],
                                   want["inspection"], 0.2, gain, 0.05, n_ds, want["credit"])  # fmt: skip
        got = {k: v.copy() for k, v in state.items()}
        cap = np.zeros(nz, dtype=np.int64)
        _regulate_zones(idx, active, request, got["allowed"], rate, 1.0, 0.3, 0.25, got["tightenings"],
                        got["inspection"], 0.2, gain, 0.05, n_ds, got["credit"], cap)  # fmt: skip
        np.testing.assert_array_equal(cap, want_cap)
        for k in state:
            np.testing.assert_array_equal(got[k], want[k], err_msg=k)
        assert (cap > 0).any()
