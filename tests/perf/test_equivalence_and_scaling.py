"""Regression guards for speed work: the compiled kernel computes exactly what the per-agent
Mesa reference and the bare NumPy rule compute, whatever order or subset of firms it steps,
and its cost scales linearly. No wall-clock thresholds: scaling is checked as a ratio of CPU
times measured in one process."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from reference_model import PerAgentFTZModel, numpy_quarter

from ftzsim import FTZModel

STATE = ("digital_level", "adopted", "approval", "applied_step", "exports", "incident")


def _state(f) -> dict[str, np.ndarray]:
    return {k: getattr(f, k).copy() for k in STATE}


def _assert_same_state(a: dict, b: dict) -> None:
    for name in STATE:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("seed", [1, 2])
def test_kernel_equals_per_agent_mesa_reference(seed):
    """Same seeds (the same counter-based draws): the per-agent Mesa implementation, visiting
    firms in random order, and the kernel give the same firm states exactly and the same
    national and zone paths (to the rounding of summing zone totals in another order)."""
    fast = FTZModel("classroom", rng=seed, quarters=10, build_firm_agents=False).run()
    ref = PerAgentFTZModel("classroom", rng=seed, quarters=10).run()
    pd.testing.assert_frame_equal(fast.national_frame(), ref.national_frame(), rtol=1e-12, atol=1e-12)
    pd.testing.assert_frame_equal(fast.zone_frame(), ref.zone_frame(), rtol=1e-12, atol=1e-12)
    _assert_same_state(_state(fast.firms), ref.firm_state())
    nat = fast.national_frame()
    assert nat["adoption_rate"].iloc[-1] > nat["adoption_rate"].iloc[0]  # the rule did something
    assert fast.firms.adopted.sum() > 0 and (fast.firms.approval == 1).sum() + (fast.firms.approval == 2).sum() > 0


def test_kernel_equals_bare_numpy_rule():
    """One quarter of 5,000 firms: the NumPy rule (its own Philox in NumPy) and the kernel
    take the same decisions for every firm and compute the same values and zone totals."""
    m = FTZModel("baseline", rng=3, n_firms=5000, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    before = _state(f)
    expected_acc = numpy_quarter(f, inp, 2)
    expected = _state(f)
    for k, v in before.items():
        getattr(f, k)[...] = v
    acc = f.step(inp, 2)
    got = _state(f)
    # NumPy's exp may differ from the C library's (the kernel's, Python's math.exp) in the
    # last bit: export values agree to rounding, every decision exactly
    np.testing.assert_allclose(got.pop("exports"), expected.pop("exports"), rtol=1e-14, atol=0)
    for name, value in expected.items():
        np.testing.assert_array_equal(got[name], value, err_msg=name)
    np.testing.assert_allclose(acc, expected_acc, rtol=1e-12, atol=1e-12)
    assert not np.array_equal(before["digital_level"], f.digital_level)  # the step did something
    assert (before["adopted"] != f.adopted).any()  # some firm adopted this quarter


def test_order_and_subset_do_not_change_any_firms_draws():
    """Stepping the firms in a shuffled order, or in two disjoint subsets, gives every firm
    exactly the state one population step gives it (common random numbers survive any order
    of evaluation); zone totals agree to rounding."""
    m = FTZModel("baseline", rng=4, n_firms=3000, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    before = _state(f)

    def run(*idx_parts):
        for k, v in before.items():
            getattr(f, k)[...] = v
        acc = sum(f.step(inp, 2, idx=p) for p in idx_parts)
        return _state(f), acc

    whole, acc_whole = run(np.arange(f.n))
    perm = np.random.default_rng(0).permutation(f.n)  # fixture: an arbitrary visiting order
    shuffled, acc_shuffled = run(perm)
    halves, acc_halves = run(perm[: f.n // 3], perm[f.n // 3 :])
    _assert_same_state(shuffled, whole)
    _assert_same_state(halves, whole)
    np.testing.assert_allclose(acc_shuffled, acc_whole, rtol=1e-12)
    np.testing.assert_allclose(acc_halves, acc_whole, rtol=1e-12)
    assert (whole["adopted"] != before["adopted"]).any()


def test_runs_of_a_zone_and_sector_equal_firm_by_firm_steps_exactly():
    """The population's step takes firms in runs of one zone and sector, works on each run
    phase by phase and lists only its exporters' values; stepping the same firms through
    ``idx`` takes each firm alone and writes every export row. In the same order the two
    must agree to the bit, zone totals included (each total is summed in firm order either
    way), and the listed exports, spread on reading, equal the written rows."""
    m = FTZModel("baseline", rng=6, n_firms=3000, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    before = _state(f)

    def run(idx=None):
        for k, v in before.items():
            getattr(f, k)[...] = v
        return f.step(inp, 2, idx=idx), _state(f)

    acc_runs, runs = run()
    acc_single, single = run(np.arange(f.n))
    np.testing.assert_array_equal(acc_single, acc_runs)
    _assert_same_state(single, runs)
    assert (runs["adopted"] != before["adopted"]).any()
    exporting = runs["exports"].any(axis=1)
    assert 0 < exporting.sum() < f.n  # some firms export, some do not


def test_exports_read_between_steps_or_not_are_the_same():
    """Exports are spread from the step's list of exporters when read: three quarters with
    no read between give what three quarters with a read after each give; and stepping the
    firms in two subsets (rows written into the array, after the pending list is spread)
    gives what one population step gives."""
    a, b, c = (FTZModel("baseline", rng=7, n_firms=2000, build_firm_agents=False) for _ in range(3))
    for _ in range(3):
        a.step(), c.step()
        b.step()
        b.firms.exports.sum()  # a read after each quarter
    np.testing.assert_array_equal(a.firms.exports, b.firms.exports)
    previous = a.firms.exports.copy()
    a.firms.step(a.zone_inputs(4), 4)  # the population's step
    part = np.arange(0, 2000, 7)
    rest = np.setdiff1d(np.arange(2000), part)
    c.firms.step(c.zone_inputs(4), 4, idx=part)  # a subset, while c's last list is pending
    np.testing.assert_array_equal(c.firms.exports[part], a.firms.exports[part])
    np.testing.assert_array_equal(c.firms.exports[rest], previous[rest])  # not stepped yet
    c.firms.step(c.zone_inputs(4), 4, idx=rest)
    np.testing.assert_array_equal(c.firms.exports, a.firms.exports)
    assert not np.array_equal(previous, a.firms.exports)
    assert a.firms.exports.any() and not a.firms.exports.all()


def test_single_firm_agent_steps_equal_one_population_step():
    """``FirmAgent.step()`` for every firm, visited by Mesa's ``shuffle_do``, equals one
    population step: each firm draws the numbers the population step draws for it."""
    a = FTZModel("classroom", rng=5, quarters=3)
    b = FTZModel("classroom", rng=5, quarters=3)
    a.step(), b.step()
    inp = a.zone_inputs()
    a.firms.step(inp, a.steps)
    b.agents_by_type[type(b.firm_agents[0])].shuffle_do("step")
    _assert_same_state(_state(b.firms), _state(a.firms))
    assert a.firms.adopted.sum() > 0


def test_firm_key_comes_from_the_seed_and_not_the_policy():
    """The generator's key is drawn from the model's firm stream: the same seed gives the
    same key whatever the policy (common random numbers across policies), another seed
    another key."""
    k1 = FTZModel("classroom", rng=7, build_firm_agents=False).firms.key
    k1_policy = FTZModel("classroom", rng=7, build_firm_agents=False, data_openness=0.9).firms.key
    k2 = FTZModel("classroom", rng=8, build_firm_agents=False).firms.key
    assert k1 == k1_policy
    assert k1 != k2


def _cpu_per_firm_step(models: dict, quarters: int = 5) -> dict[int, float]:
    """Median CPU time per firm-step of each model's firm rule, sizes interleaved."""
    times: dict[int, list] = {n: [] for n in models}
    for q in range(quarters):
        for n, (f, inp) in models.items():
            t0 = time.process_time()
            f.step(inp, 2 + q)
            times[n].append((time.process_time() - t0) / f.n)
    return {n: float(np.median(v)) for n, v in times.items()}


@pytest.mark.slow
def test_firm_step_cost_scales_linearly():
    """Cost per firm-step at 400k firms stays within 1.5x of the cost at 20k (linear scaling;
    the benchmark measures 1M against 10k). CPU time, the two sizes interleaved."""
    models = {}
    for n in (20_000, 400_000):
        m = FTZModel("baseline", rng=1, n_firms=n, quarters=2, build_firm_agents=False)
        m.step()  # compiles the kernel, warms the caches
        models[n] = (m.firms, m.zone_inputs(2))
    cost = _cpu_per_firm_step(models)
    assert cost[400_000] / cost[20_000] < 1.5, cost
