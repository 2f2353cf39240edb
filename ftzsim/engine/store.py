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

Every chunk has a sidecar ``chunk-NNNNNN.parquet.sha256`` (JSON: sha256 of the file, its row
count and the (row_id, replicate) keys it holds), written before the chunk is renamed into
place. Chunks are verified when read (checksum, Parquet footer, row count): a damaged one
(a disk error, a truncated copy) makes :func:`load_results` refuse the store with a message,
and ``--resume`` moves it to ``corrupt/`` with a warning and runs its runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ftzsim.io import SWEEP_FILES, UserError, _all_entries, _publish, shorten, write_json, write_parquet

__all__ = ["TIMING", "DamagedChunk", "RunStore", "load_results", "load_timeseries"]


class DamagedChunk(UserError):
    """A chunk of the store fails verification (checksum, Parquet footer or row count)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
        """The sweep's manifest; :class:`UserError` if this is not a sweep written by ftzsim."""
        path = self.root / "manifest.json"
        try:
            if not path.is_file() or path.stat().st_size > 50_000_000:
                raise FileNotFoundError
            man = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            raise UserError(f"{self.root}: not a sweep directory (no manifest.json)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{path}: cannot be read ({exc})") from None
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON ({exc.msg})") from None
        if not isinstance(man, dict) or man.get("kind") != "ftzsim.sweep":
            kind = man.get("kind") if isinstance(man, dict) else None
            raise UserError(f"{self.root}: not a sweep written by ftzsim (manifest kind {shorten(repr(kind), 80)}; "
                            "allowed: a directory written by `ftzsim sweep`)")  # fmt: skip
        return man

    def files(self) -> list[str]:
        """Every file of the store ftzsim wrote, relative to its root (for the manifest)."""
        return [f for f in _all_entries(self.root) if SWEEP_FILES.fullmatch(f)] if self.root.is_dir() else []

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest["files"] = self.files()
        if "manifest.json" not in manifest["files"]:
            manifest["files"] = sorted([*manifest["files"], "manifest.json"])
        write_json(manifest, self.root / "manifest.json")

    def design(self) -> pd.DataFrame:
        path = self.root / "design.parquet"
        try:
            df = pd.read_parquet(path)
        except FileNotFoundError:
            raise UserError(f"{self.root}: not a complete sweep directory (no design.parquet)") from None
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise DamagedChunk(f"{path}: damaged ({shorten(str(exc), 200)}); the sweep cannot be analysed. "
                               "Run it again with --overwrite") from None  # fmt: skip
        if "row_id" not in df.columns:
            raise DamagedChunk(f"{path}: not a design written by ftzsim (no row_id column)")
        return df

    # ------------------------------------------------------------------ chunks
    def _next_index(self, folder: Path) -> int:
        # chunks moved to corrupt/ keep their numbers: a new chunk never takes one of them
        files = [*folder.glob("*.parquet"), *folder.glob("corrupt/*.parquet")]
        nums = [int(p.stem.rsplit("-", 1)[1]) for p in files if p.stem.rsplit("-", 1)[-1].isdigit()]
        return max(nums, default=-1) + 1

    def _write_verified(self, df: pd.DataFrame, path: Path) -> None:
        """Write ``df`` to ``path`` with its sidecar checksum; the sidecar lands first, the
        chunk is renamed into place last, so a chunk on disk always has its checksum."""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            df.to_parquet(tmp, index=False)
            keys = df[KEYS].astype("int64").to_numpy().tolist() if set(KEYS) <= set(df.columns) else []
            side = {"sha256": _sha256(Path(tmp)), "rows": len(df), "keys": keys}
            write_json(side, path.with_name(path.name + ".sha256"))
            _publish(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_chunk(self, results: list[dict], failures: list[dict], series: list[pd.DataFrame]) -> None:
        """Write one finished batch: outcomes, failures and series, each atomically and with
        its checksum."""
        if results:
            k = self._next_index(self.chunks)
            self._write_verified(pd.DataFrame(results), self.chunks / f"chunk-{k:06d}.parquet")
        if series:
            k = self._next_index(self.series)
            self._write_verified(pd.concat(series, ignore_index=True), self.series / f"chunk-{k:06d}.parquet")
        if failures:
            k = self._next_index(self.failures)
            self._write_verified(pd.DataFrame(failures), self.failures / f"failed-{k:06d}.parquet")

    def _verify(self, f: Path, read: bool = True) -> tuple[pd.DataFrame | None, str | None, list]:
        """Check chunk ``f`` against its sidecar (checksum, Parquet footer, row count) and read
        it: (frame, None, keys) when whole, (None, reason, keys) when damaged (keys from the
        sidecar, if it is readable). ``read=False`` checks without reading the data (the frame
        is then None for a whole chunk too)."""
        import pyarrow.parquet as pq

        side_path = f.with_name(f.name + ".sha256")
        side: dict = {}
        if side_path.is_file():
            try:
                side = json.loads(side_path.read_text(encoding="utf-8"))
                if not isinstance(side, dict):
                    side = {}
            except (OSError, ValueError):
                side = {}
        keys = side.get("keys") if isinstance(side.get("keys"), list) else []
        if side_path.exists() and "sha256" not in side:
            return None, "its checksum file is damaged", keys
        if side and _sha256(f) != side["sha256"]:
            return None, "its checksum does not match (the file changed after it was written)", keys
        try:
            meta = pq.ParquetFile(f)
            rows = meta.metadata.num_rows
            names = meta.schema_arrow.names
            df = pd.read_parquet(f) if read else None
        except Exception as exc:  # ArrowInvalid, OSError, ...: an unreadable footer or page
            return None, f"it is not a readable Parquet file ({shorten(str(exc), 120)})", keys
        if "rows" in side and rows != side["rows"]:
            return None, f"it holds {rows} rows, its checksum file says {side['rows']}", keys
        if f.parent.name != "failures" and not set(KEYS) <= set(names):
            return None, "it has no row_id/replicate columns", keys
        return df, None, keys

    def verified_files(self, folder: Path) -> list[Path]:
        """The chunk files of ``folder``, each checked (checksum, footer, row count) without
        reading its data; a damaged one raises :class:`DamagedChunk` (see :meth:`_read_folder`)."""
        files = sorted(folder.glob("*.parquet"))
        for f in files:
            _, reason, _ = self._verify(f, read=False)
            if reason is not None:
                raise self._damaged(f, reason)
        return files

    def _damaged(self, f: Path, reason: str) -> DamagedChunk:
        return DamagedChunk(
            f"{f.parent.name}/{f.name} in {self.root} is damaged: {reason}. Nothing was analysed; "
            "run the sweep's command again with --resume to move it aside and rerun its runs"
        )

    def _read_folder(self, folder: Path, repair: bool = False) -> pd.DataFrame:
        """Every chunk of ``folder``, verified. A damaged chunk raises :class:`DamagedChunk`,
        or with ``repair`` is moved to ``folder/corrupt/`` with a warning (its runs are then
        missing, so ``--resume`` runs them again)."""
        files = sorted(folder.glob("*.parquet"))
        frames = []
        for f in files:
            df, reason, _ = self._verify(f)
            if reason is None:
                frames.append(df)
                continue
            if not repair:
                raise self._damaged(f, reason)
            self.quarantine(f, reason)
        if not frames:
            return pd.DataFrame(columns=KEYS)
        return pd.concat(frames, ignore_index=True)

    def quarantine(self, f: Path, reason: str) -> None:
        """Move a damaged chunk (and its sidecar) to ``corrupt/`` beside it, with a warning."""
        dest = f.parent / "corrupt"
        dest.mkdir(exist_ok=True)
        for p in (f, f.with_name(f.name + ".sha256")):
            if p.exists():
                os.replace(p, dest / p.name)
        print(f"warning: {f.parent.name}/{f.name} is damaged ({reason}); moved to {f.parent.name}/corrupt/, "
              "its runs will be run again", file=sys.stderr)  # fmt: skip

    def _sidecar_keys(self, f: Path) -> set[tuple[int, int]]:
        try:
            side = json.loads(f.with_name(f.name + ".sha256").read_text(encoding="utf-8"))
            return {(int(r), int(k)) for r, k in side.get("keys", [])}
        except (OSError, ValueError, TypeError, AttributeError):
            return set()

    def repair(self) -> set[tuple[int, int]]:
        """Verify every chunk, move damaged ones to ``corrupt/``, drop sidecars without a chunk
        (a writer killed between the two), and return the runs whose stored series are
        damaged (they must be run again although their outcomes are whole)."""
        for folder in (self.root, self.chunks, self.series, self.failures):
            # temporary files of a writer killed mid-write (the lock is held: none is live)
            for tmp in folder.glob(".*.tmp"):
                if SWEEP_FILES.fullmatch(tmp.relative_to(self.root).as_posix()):
                    tmp.unlink(missing_ok=True)
        for folder in (self.chunks, self.series, self.failures):
            if not folder.is_dir():
                continue
            for side in folder.glob("*.parquet.sha256"):
                if not side.with_name(side.name[: -len(".sha256")]).exists():
                    side.unlink(missing_ok=True)
            for f in sorted(folder.glob("*.parquet")):
                _, reason, _ = self._verify(f)
                if reason is not None:
                    self.quarantine(f, reason)
        lost: set[tuple[int, int]] = set()
        for f in self.series.glob("corrupt/*.parquet"):
            lost |= self._sidecar_keys(f)
        if lost:  # series whose chunk was damaged, unless a later chunk holds them again
            for f in self.series.glob("*.parquet"):
                lost -= self._sidecar_keys(f)
        return lost

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
            self._write_verified(keep.reset_index(drop=True), self.failures / f"failed-{k:06d}.parquet")
        for f in old:
            os.unlink(f)
            f.with_name(f.name + ".sha256").unlink(missing_ok=True)


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
    files = store.verified_files(store.chunks)
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
    store.manifest()
    return _dedupe(store._read_folder(store.series), "series")
