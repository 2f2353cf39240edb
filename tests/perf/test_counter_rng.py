"""The firms' counter-based generator (Philox-4x32-10 keyed by the model's firm key).

It must be the published generator (Random123's known answers), produce uniforms on [0, 1),
give independent streams for distinct keys, quarters and firms, and give a firm the same
numbers whatever other firms are drawn with it and in whatever order."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from reference_model import philox_uniforms

from ftzsim.model.kernel import firm_uniforms, philox4x32

KEY = np.uint64(0x9E3779B97F4A7C15)


@pytest.mark.parametrize(
    ("counter", "key", "expected"),
    [  # Random123 kat_vectors, philox4x32_10
        ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
        (
            (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
            (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
        ),
    ],
)
def test_philox_matches_the_published_known_answers(counter, key, expected):
    out = philox4x32(*(np.uint64(c) for c in counter), *(np.uint64(k) for k in key))
    assert tuple(int(x) for x in out) == expected


def test_numpy_reference_generator_equals_the_kernels():
    """The benchmarks' independent NumPy implementation draws exactly the kernel's numbers
    (also for firm indices above 2**32, which use the counter's second word)."""
    idx = np.concatenate([np.arange(1000), np.array([2**32 + 5, 2**40 + 1])])
    for t in (1, 7, 40):
        np.testing.assert_array_equal(firm_uniforms(KEY, t, idx), philox_uniforms(KEY, t, idx))


def test_uniform_on_unit_interval():
    """1e6 draws with a fixed key: inside [0, 1), and a Kolmogorov-Smirnov test against
    U(0, 1) does not reject (p > 0.001), in each of the three uses and pooled."""
    u = firm_uniforms(KEY, 3, np.arange(333_334))
    assert u.min() >= 0.0 and u.max() < 1.0
    for row in u:
        assert stats.kstest(row, "uniform").pvalue > 0.001
    assert stats.kstest(u.ravel(), "uniform").pvalue > 0.001
    assert abs(u.mean() - 0.5) < 0.002  # sd of the mean of 1e6 uniforms: 0.00029


def test_streams_are_uncorrelated():
    """Distinct keys, neighbouring quarters, neighbouring firms and the three draws of one
    firm are uncorrelated: |r| below 5 standard errors (1/sqrt(n)) in each case."""
    n = 200_000
    idx = np.arange(n)
    bound = 5 / np.sqrt(n)
    a = firm_uniforms(KEY, 5, idx)
    pairs = {
        "distinct keys": (a[0], firm_uniforms(KEY + np.uint64(1), 5, idx)[0]),
        "next quarter": (a[0], firm_uniforms(KEY, 6, idx)[0]),
        "next firm": (a[0][:-1], a[0][1:]),
        "draws 1 and 2 of a firm": (a[0], a[1]),
        "draws 2 and 3 of a firm": (a[1], a[2]),
    }
    for name, (x, y) in pairs.items():
        assert abs(np.corrcoef(x, y)[0, 1]) < bound, name
    assert not np.array_equal(a[0], pairs["distinct keys"][1])


def test_same_key_quarter_and_firm_give_the_same_number_in_any_order():
    """Shuffling the firm indices permutes the draws and changes nothing else; a subset
    draws what the whole population draws for those firms."""
    idx = np.arange(50_000)
    whole = firm_uniforms(KEY, 9, idx)
    perm = np.random.default_rng(1).permutation(idx)  # fixture: an arbitrary order
    np.testing.assert_array_equal(firm_uniforms(KEY, 9, perm), whole[:, perm])
    sub = perm[:17]
    np.testing.assert_array_equal(firm_uniforms(KEY, 9, sub), whole[:, sub])
    np.testing.assert_array_equal(firm_uniforms(KEY, 9, np.array([123])), whole[:, [123]])
    # a key given as a Python int draws the same numbers as the same key as np.uint64
    np.testing.assert_array_equal(firm_uniforms(int(KEY), 9, sub), whole[:, sub])
    np.testing.assert_array_equal(firm_uniforms(12345, 9, sub), firm_uniforms(np.uint64(12345), 9, sub))
