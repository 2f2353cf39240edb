"""Writing results safely: atomic files and directories, provenance for manifests.

A result that looks complete must be complete. Files are written under a temporary name in
the same directory and moved into place with :func:`os.replace` (atomic on POSIX); a run's
output directory is assembled under a temporary sibling name and renamed when everything
is in it. Manifests record versions and the git revision, never absolute paths unless the
caller passes them.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(path: str | Path, directory: bool = False) -> None:
    """Give a file made by ``tempfile`` (0600 / 0700) the permissions a plain ``open`` or
    ``mkdir`` would have had, so results are as readable as any other file the user writes."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


__all__ = [
    "UserError",
    "atomic_output_dir",
    "check_out_dir",
    "git_revision",
    "portable_text",
    "provenance",
    "write_json",
    "write_parquet",
]

_PACKAGES = ("ftzsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "SALib", "pydantic", "dask", "numba")


class UserError(ValueError):
    """A mistake in what the user asked for (bad path, bad option): exit code 2, no traceback."""


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        _publish(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, sort_keys=False, default=_json_default)
            fh.write("\n")
        _publish(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


#: The file in each kind of ftzsim output directory that says what wrote it (its "kind").
_MARKERS = {"ftzsim.run": "manifest.json", "ftzsim.sweep": "manifest.json", "ftzsim.calibration": "fit.json"}


def output_kind(directory: Path) -> str | None:
    """The ``kind`` recorded by ftzsim in ``directory`` (``ftzsim.run``, ``ftzsim.sweep``,
    ``ftzsim.calibration``), or None when ftzsim did not write it."""
    for marker in dict.fromkeys(_MARKERS.values()):
        try:
            kind = json.loads((directory / marker).read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(kind, str) and kind in _MARKERS:
            return kind
    return None


def check_out_dir(out: str | Path, overwrite: bool, kind: str = "ftzsim.run") -> Path:
    """Check that ``out`` can receive an output of ``kind``; refuse anything that would lose data.

    A non-empty directory is replaced only with ``overwrite`` and only when it holds an output
    of the same kind that ftzsim wrote (its manifest says so): ``--overwrite`` must never
    delete a sweep's results, a user's folder or the working directory by a slip of ``--out``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    here = Path.cwd().resolve()
    if out.is_dir() and (out.resolve() == here or out.resolve() in here.parents):
        # an output directory is assembled aside and renamed into place: never the one we stand in
        raise UserError(f"--out {out}: is the working directory or contains it; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"--out {out}: directory exists and is not empty; pass --overwrite to replace it")
        found = output_kind(out)
        if found != kind:
            what = f"it holds an {found} output" if found else f"it holds no {_MARKERS[kind]} written by ftzsim"
            raise UserError(
                f"--out {out}: --overwrite replaces only an earlier {kind} output, and {what}; "
                "nothing was changed. Choose another --out, or empty it yourself"
            )
    parent = out.resolve().parent
    if not parent.exists():
        raise UserError(f"--out {out}: parent directory {parent.name!r} does not exist")
    if not parent.is_dir():
        raise UserError(f"--out {out}: {parent.name!r} is not a directory")
    if not os.access(parent, os.W_OK):
        raise UserError(f"--out {out}: parent directory is not writable")
    return out


@contextmanager
def atomic_output_dir(out: str | Path, overwrite: bool = False, kind: str = "ftzsim.run") -> Iterator[Path]:
    """Assemble an output directory under a temporary name; move it into place on success.

    On any error the temporary directory is removed and an existing ``out`` is left as it
    was, so a half-written result never sits where a complete one is expected.
    """
    out = check_out_dir(out, overwrite, kind)
    if out.is_symlink():  # replace what the link points to and keep the user's link
        out = out.resolve()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.resolve().parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(tmp, directory=True)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _machine_roots() -> list[tuple[str, str]]:
    """Absolute folders of this machine that tracebacks and messages name, longest first,
    each with the placeholder that stands for it in stored results."""
    import site
    import sysconfig

    roots = {str(Path(__file__).resolve().parents[1]): "<ftzsim>"}
    for p in {*site.getsitepackages(), site.getusersitepackages(), *sysconfig.get_paths().values()}:
        roots.setdefault(str(p), "<python>")
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        roots.setdefault(str(p), "<python>")
    roots.setdefault(str(Path.cwd()), ".")
    roots.setdefault(str(Path.home()), "~")
    roots.setdefault(tempfile.gettempdir(), "<tmp>")
    return sorted(((k, v) for k, v in roots.items() if len(k) > 1), key=lambda kv: -len(kv[0]))


def portable_text(text: str) -> str:
    """``text`` (a traceback, an error message) with this machine's folders replaced by
    placeholders (``<ftzsim>``, ``<python>``, ``.``, ``~``, ``<tmp>``).

    Stored results travel (a cluster's output copied to a laptop, a supplement to a paper);
    they must not carry the machine's user name and folder layout (issue 7).
    """
    for root, placeholder in _machine_roots():
        text = text.replace(root, placeholder)
    return text


def git_revision() -> str | None:
    """The git revision of the ftzsim source tree, if it is a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance() -> dict[str, Any]:
    """Versions of Python and the packages that determine results, git revision, machine."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "packages": versions,
        "git_revision": git_revision(),
        "platform": platform.platform(terse=True),
    }
