"""The result store of a sweep: a directory that is never left looking more complete than it is.

Layout::

    DIR/manifest.json            provenance and progress (rewritten atomically)
    DIR/experiment.toml          the experiment file as given
    DIR/design.parquet           the design rows (row_id + parameters)
    DIR/chunks/chunk-NNNNNN.parquet        scalar outcomes, one row per finished run
    DIR/timeseries/chunk-NNNNNN.parquet    optional national series of those runs
    DIR/failures/failed-NNNNNN.parquet     runs that raised: parameters, seed, traceback

Chunks are written by the driver only, each under a temporary name and renamed when
complete, so a killed sweep leaves only whole chunks; ``--resume`` reads which (row_id,
replicate) pairs they hold and runs the rest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ftzsim.io import UserError, write_json, write_parquet

__all__ = ["TIMING", "RunStore", "load_results", "load_timeseries"]

KEYS = ["row_id", "replicate"]


class RunStore:
    """A sweep directory (see module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.chunks = self.root / "chunks"
        self.series = self.root / "timeseries"
        self.failures = self.root / "failures"

    # ------------------------------------------------------------------ creation
    def create(self, spec_text: str, design: pd.DataFrame, manifest: dict[str, Any]) -> None:
        for d in (self.root, self.chunks, self.series, self.failures):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "experiment.toml").write_text(spec_text, encoding="utf-8")
        write_parquet(design, self.root / "design.parquet")
        self.write_manifest(manifest)

    @property
    def exists(self) -> bool:
        return (self.root / "manifest.json").is_file()

    def manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{self.root}: not a sweep directory (no manifest.json)") from None
        except json.JSONDecodeError as exc:
            raise UserError(f"{self.root}/manifest.json: not valid JSON ({exc.msg})") from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(manifest, self.root / "manifest.json")

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / "design.parquet")

    # ------------------------------------------------------------------ chunks
    def _next_index(self, folder: Path) -> int:
        nums = [int(p.stem.rsplit("-", 1)[1]) for p in folder.glob("*.parquet") if p.stem.rsplit("-", 1)[1].isdigit()]
        return max(nums, default=-1) + 1

    def write_chunk(self, results: list[dict], failures: list[dict], series: list[pd.DataFrame]) -> None:
        """Write one finished batch: outcomes, failures and series, each atomically."""
        if results:
            k = self._next_index(self.chunks)
            write_parquet(pd.DataFrame(results), self.chunks / f"chunk-{k:06d}.parquet")
        if series:
            k = self._next_index(self.series)
            write_parquet(pd.concat(series, ignore_index=True), self.series / f"chunk-{k:06d}.parquet")
        if failures:
            k = self._next_index(self.failures)
            write_parquet(pd.DataFrame(failures), self.failures / f"failed-{k:06d}.parquet")

    def _read_folder(self, folder: Path) -> pd.DataFrame:
        files = sorted(folder.glob("*.parquet"))
        if not files:
            return pd.DataFrame(columns=KEYS)
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    def done(self) -> set[tuple[int, int]]:
        df = self._read_folder(self.chunks)
        return set(zip(df["row_id"].astype(int), df["replicate"].astype(int), strict=True))

    def failed(self) -> pd.DataFrame:
        return self._read_folder(self.failures)

    def clear_failures(self, succeeded: set[tuple[int, int]]) -> None:
        """Drop failure records of runs that have since succeeded (after --retry-failed)."""
        df = self.failed()
        if df.empty:
            return
        keep = df[[(int(r), int(p)) not in succeeded for r, p in zip(df["row_id"], df["replicate"], strict=True)]]
        old = sorted(self.failures.glob("*.parquet"))
        if len(keep):
            k = self._next_index(self.failures)
            write_parquet(keep.reset_index(drop=True), self.failures / f"failed-{k:06d}.parquet")
        for f in old:
            os.unlink(f)


def _dedupe(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if df.empty:
        return df
    dup = df.duplicated(KEYS + (["step"] if "step" in df.columns else []), keep="first")
    return df[~dup].sort_values(KEYS + (["step"] if "step" in df.columns else []), kind="stable").reset_index(drop=True)


#: Columns of a run's record that are about the machine, not the result: ``wall_s`` (the
#: run's wall-clock seconds). Left out of :func:`load_results` unless ``timing=True``, so
#: loaded results depend only on (parameters, seed) and compare exactly across machines.
TIMING = ("wall_s",)


def _read_columns(files: list[Path], columns: list[str] | None) -> pd.DataFrame:
    """Read ``columns`` (all if None) of Parquet ``files`` as one frame through
    ``pyarrow.dataset``: only those columns are read from disk, so a store larger than memory
    can be analysed an outcome at a time. Chunks written before a column existed give nulls."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    schema = pa.unify_schemas([pq.read_schema(f) for f in files])
    if columns is not None:
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise UserError(f"unknown columns {missing}; stored: {', '.join(schema.names)}")
    table = ds.dataset([str(f) for f in files], schema=schema, format="parquet").to_table(columns=columns)
    return table.to_pandas()


def load_results(root: str | Path, with_design: bool = True, columns: list[str] | None = None,
                 timing: bool = False) -> pd.DataFrame:  # fmt: skip
    """All finished runs of a sweep as one DataFrame, sorted by (row_id, replicate), with the
    design's parameter columns joined. Duplicates (which resume never writes) are dropped.

    Parameters
    ----------
    columns : list of str, optional
        Read only these outcome (and design) columns besides ``row_id``, ``replicate`` and
        ``seed``: the other columns are never read from disk.
    timing : bool
        Also return ``wall_s``, each run's wall-clock seconds (see :data:`TIMING`).
    """
    store = RunStore(root)
    store.manifest()
    files = sorted(store.chunks.glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=KEYS)
    design_cols = None
    if columns is not None:
        design = store.design() if with_design else pd.DataFrame(columns=["row_id"])
        design_cols = [c for c in columns if c in design.columns and c not in KEYS]
        chunk_cols = list(dict.fromkeys([*KEYS, "seed", *(c for c in columns if c not in design_cols),
                                         *(TIMING if timing else ())]))  # fmt: skip
        df = _read_columns(files, chunk_cols)
    else:
        df = _read_columns(files, None)
        if not timing:
            df = df.drop(columns=[c for c in TIMING if c in df.columns])
    df = _dedupe(df, "results")
    if with_design and not df.empty:
        design = store.design()
        if design_cols is not None:
            design = design[["row_id", *design_cols]]
        df = df.merge(design, on="row_id", how="left", validate="many_to_one")
    return df


def load_timeseries(root: str | Path) -> pd.DataFrame:
    """The national series stored with the runs (empty if the sweep stored none)."""
    store = RunStore(root)
    return _dedupe(store._read_folder(store.series), "series")
