"""Driver run in a subprocess by the fault tests: a sweep of slow_model into argv[1]."""

import sys

import pandas as pd

from ftzsim.engine.designs import Design
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import slow_model

if __name__ == "__main__":
    out, backend = sys.argv[1], sys.argv[2]
    rows = pd.DataFrame({"row_id": range(60), "x": [float(i) for i in range(60)]})
    design = Design("file", rows, {"num_vars": 1, "names": ["x"], "bounds": [[0, 59]]})
    sweep_function(slow_model, design, out, replicates=2, master_seed=5, workers=2, backend=backend,
                   chunk_size=2, progress=False)  # fmt: skip
