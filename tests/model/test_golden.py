"""Golden outputs: the baseline's and the classroom's results, bit for bit.

Refactoring must not change what the model computes. These runs are stored once
(``tests/model/golden/*.npz``) and compared exactly (``assert_array_equal``, no tolerance):
a structural change that moves one floating-point operation shows up here. A commit that
changes results on purpose (a new mechanism, a different random-number scheme) regenerates
them with ``FTZSIM_REGEN_GOLDEN=1 pytest tests/model/test_golden.py`` and says why in its
message.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from ftzsim import FTZModel
from ftzsim.outcomes import NATIONAL_OUTCOMES, ZONE_OUTCOMES

GOLDEN = Path(__file__).with_name("golden")
CASES = {
    # name: (scenario, seed, overrides)
    "baseline_seed2021": ("baseline", 2021, {}),
    "classroom_seed7": ("classroom", 7, {}),
    "corridor_seed3": ("data_corridor", 3, {"n_firms": 4000}),
}


def _firm_digest(model: FTZModel) -> str:
    f = model.firms
    h = hashlib.sha256()
    for arr in (f.digital_level, f.adopted, f.approval, f.applied_step, f.exports, f.incident):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _outputs(name: str) -> dict[str, np.ndarray]:
    scenario, seed, overrides = CASES[name]
    m = FTZModel(scenario, rng=seed, build_firm_agents=False, **overrides).run()
    nat = m.national_frame()
    zones = m.zone_frame()
    summary = m.summary()
    return {
        "national": nat[list(NATIONAL_OUTCOMES)].to_numpy(dtype=float),
        "zones": zones[list(ZONE_OUTCOMES)].to_numpy(dtype=float),
        "summary_names": np.array(sorted(summary)),
        "summary": np.array([summary[k] for k in sorted(summary)]),
        "firms": np.array(_firm_digest(m)),
    }


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_are_bit_identical_to_golden(name):
    path = GOLDEN / f"{name}.npz"
    got = _outputs(name)
    if os.environ.get("FTZSIM_REGEN_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        np.savez_compressed(path, **got)
        pytest.skip(f"regenerated {path.name}")
    want = np.load(path)
    assert set(want.files) == set(got), "the golden file records other quantities: regenerate it"
    np.testing.assert_array_equal(got["summary_names"], want["summary_names"])
    for key in ("national", "zones", "summary"):
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key} changed")
    assert str(got["firms"]) == str(want["firms"]), f"{name}: final firm state changed"
