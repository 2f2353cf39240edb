"""``python -m ftzsim.model.build [--if-stale] [--quiet]``: compile the model's loops ahead of
time (:func:`ftzsim.model.compiled.build`; ``scripts/setup.sh`` runs it).

Exit code 0 when a current build is in place, 1 when none could be made (no C compiler or
no setuptools): the model then runs on numba's JIT, with the same results, about 0.5 s
slower to start in each new process.
"""

from __future__ import annotations

import os
import sys

from ftzsim.model import compiled


def main(argv: list[str]) -> int:
    if "--if-stale" in argv:
        os.environ.pop("FTZSIM_KERNEL", None)
        if compiled.status()["ahead_of_time"]:
            print("ftzsim: the ahead-of-time build of the model's loops is current")
            return 0
    try:
        path = compiled.build(quiet="--quiet" in argv)
    except Exception as exc:  # no compiler, no setuptools: the JIT serves, only slower to start
        print(f"ftzsim: could not build the model's loops ahead of time ({type(exc).__name__}: {exc}); "
              "numba's JIT will be used (about 0.5 s more per new process)", file=sys.stderr)  # fmt: skip
        return 1
    print(f"ftzsim: built the model's loops ahead of time into {path.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
