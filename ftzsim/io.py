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
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas costs ~0.4 s to import; the CLI's start and most commands need none of it
    import pandas as pd

try:  # POSIX; elsewhere (Windows) output locks are not taken
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


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
    "atomic_write",
    "check_out_dir",
    "clean_leftovers",
    "git_revision",
    "lock_holder",
    "output_lock",
    "owned_files",
    "portable_text",
    "provenance",
    "remove_owned",
    "shorten",
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


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it into place atomically.

    For writers that want a file name (``DataFrame.to_csv``, ``Figure.savefig``): a full disk
    or an interruption leaves the earlier file (or none), never a truncated one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _publish(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
_MARKERS = {"ftzsim.run": "manifest.json", "ftzsim.sweep": "manifest.json", "ftzsim.calibration": "calibration.json"}
#: The files a sweep's store writes (named by pattern: chunks are added while the sweep runs).
SWEEP_FILES = re.compile(
    r"(manifest\.json|experiment\.toml|design\.parquet"
    r"|(chunks|timeseries)(/corrupt)?/chunk-\d{6}\.parquet(\.sha256)?"
    r"|failures(/corrupt)?/failed-\d{6}\.parquet(\.sha256)?"
    r"|sensitivity/[A-Za-z0-9_.:-]+\.(csv|parquet|json|png)"
    # temporary files of a writer killed mid-write (removed by --resume, replaced by --overwrite)
    r"|((chunks|timeseries|failures|sensitivity)/)?\.[A-Za-z0-9_.:-]+\.[a-z0-9_]{8}\.tmp(\.[a-z]+)?)"
)
#: Files an output of each kind is known to hold when its marker lists none (by name): a run
#: written before manifests listed their files, and a calibration (its waves are sweep stores
#: that grow while it runs; ``ftzsim calibrate`` writes them and its summary files).
_LEGACY_FILES = {
    "ftzsim.run": re.compile(r"(manifest\.json|(national|zones|annual)\.parquet|figures/[^/]+\.(png|pdf|svg))"),
    "ftzsim.calibration": re.compile(
        r"(calibration\.json|posterior\.(csv|json)|report\.md|decomposition\.csv|figures/[^/]+\.png"
        r"|\.posterior\.csv\.tmp|(screen|wave1|wave2)/" + SWEEP_FILES.pattern + ")"
    ),
}
#: Longest message shown for one problem; the rest is cut with a count of what was left out.
MAX_MESSAGE = 2000


def shorten(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out.

    Error messages quote what the user gave; a 72 MB value must not become a 72 MB message.
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def _read_marker(directory: Path) -> dict | None:
    for marker in dict.fromkeys(_MARKERS.values()):
        p = directory / marker
        try:
            if not p.is_file() or p.stat().st_size > 50_000_000:
                continue
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("kind") in _MARKERS:
            return data
    return None


def output_kind(directory: Path) -> str | None:
    """The ``kind`` recorded by ftzsim in ``directory`` (``ftzsim.run``, ``ftzsim.sweep``,
    ``ftzsim.calibration``), or None when ftzsim did not write it."""
    data = _read_marker(Path(directory))
    return data["kind"] if data else None


def _all_entries(directory: Path) -> list[str]:
    """Every file, link and empty folder below ``directory`` (relative, ``/``-separated)."""
    out = []
    for root, dirs, files in os.walk(directory):
        rel = Path(root).relative_to(directory)
        for d in list(dirs):
            if os.path.islink(Path(root) / d):  # a link to a folder: listed, never followed
                dirs.remove(d)
                files.append(d)
        for f in files:
            out.append((rel / f).as_posix())
        if not dirs and not files and rel != Path("."):
            out.append(rel.as_posix() + "/")
    return sorted(out)


def owned_files(directory: Path) -> tuple[list[str], list[str]]:
    """Split what ``directory`` holds into (files ftzsim wrote, everything else).

    ftzsim's files are those its manifest lists (``files``: every file of the output, relative
    paths), and for a sweep those its store writes by name (chunks are added as it runs).
    """
    data = _read_marker(directory) or {}
    kind = data.get("kind")
    listed = {f for f in data.get("files", []) if isinstance(f, str)} if isinstance(data.get("files"), list) else set()
    listed.add(_MARKERS.get(kind, "manifest.json"))
    pattern = SWEEP_FILES if kind == "ftzsim.sweep" else (None if "files" in data else _LEGACY_FILES.get(kind))
    ours, foreign = [], []
    for rel in _all_entries(directory):
        full = directory / rel
        if rel.endswith("/"):  # an empty folder holds nothing to lose
            ours.append(rel)
            continue
        mine = rel in listed or (pattern is not None and pattern.fullmatch(rel) is not None)
        (ours if mine and not full.is_symlink() and full.is_file() else foreign).append(rel)
    return ours, foreign


def _name_foreign(out: Path, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5:,} more" if len(foreign) > 5 else "")
    return shorten(shown, 600)


def remove_owned(directory: Path) -> None:
    """Delete the files ftzsim wrote in ``directory`` and the folders they leave empty;
    refuse (deleting nothing) if anything else is there."""
    ours, foreign = owned_files(directory)
    if foreign:
        raise UserError(
            f"--out {directory}: --overwrite replaces only the files ftzsim wrote, and it also holds "
            f"{_name_foreign(directory, foreign)}; nothing was changed. Move them away, or choose another --out"
        )
    for rel in ours:
        if not rel.endswith("/"):
            (directory / rel).unlink(missing_ok=True)
    folders = {str(Path(r).parent) for r in ours if not r.endswith("/")} | {
        r.rstrip("/") for r in ours if r.endswith("/")
    }
    for rel in sorted(folders, key=lambda r: -r.count("/")):
        d = directory / rel
        while d != directory and d.is_dir() and not d.is_symlink() and not any(d.iterdir()):
            d.rmdir()
            d = d.parent


_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")


def check_out_dir(out: str | Path, overwrite: bool, kind: str = "ftzsim.run") -> Path:
    """Check that ``out`` can receive an output of ``kind``; refuse anything that would lose data.

    A non-empty directory is replaced only with ``overwrite``, only when it holds an output
    of the same kind that ftzsim wrote (its manifest says so), and only when every file in
    it is one ftzsim wrote (the manifest lists them): ``--overwrite`` must never delete a
    sweep's results, a user's notes inside an earlier run, a user's folder or the working
    directory by a slip of ``--out``. Missing parent folders are created.
    """
    out = Path(out)
    text = str(out)
    if not text or "\0" in text:
        raise UserError(f"--out {shorten(repr(text))}: not a valid path")
    try:
        full = Path(os.path.abspath(out))
        real = out.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise UserError(f"--out {shorten(text)}: cannot be resolved ({exc})") from None
    for p in (full, real):
        if any(str(p) == r or str(p).startswith(r + "/") for r in _FORBIDDEN_ROOTS):
            raise UserError(f"--out {shorten(text)}: is under /{p.parts[1]}, a system folder; "
                            "allowed: a folder on a disk")  # fmt: skip
    # room for the temporary siblings (".NAME.PID-XXXXXXXX.partial") on every file system
    if any(len(part.encode()) > 200 for part in full.parts):
        raise UserError(f"--out {shorten(text)}: a folder name is longer than 200 bytes; choose a shorter one")
    if len(str(real).encode()) > 3800:
        raise UserError(f"--out {shorten(text)}: the path is longer than 3,800 bytes; choose a shorter one")
    if str(_lock_path(out)) not in _HELD and (info := lock_holder(out)) is not None:
        raise _locked_error(out, info)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {shorten(text)}: exists and is not a directory")
    here = Path.cwd().resolve()
    if out.is_dir() and (real == here or real in here.parents):
        # an output directory is assembled aside and renamed into place: never the one we stand in
        raise UserError(f"--out {shorten(text)}: is the working directory or contains it; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"--out {shorten(text)}: directory exists and is not empty; pass --overwrite to replace it")
        found = output_kind(out)
        if found != kind:
            what = f"it holds an {found} output" if found else f"it holds no {_MARKERS[kind]} written by ftzsim"
            raise UserError(
                f"--out {shorten(text)}: --overwrite replaces only an earlier {kind} output, and {what}; "
                "nothing was changed. Choose another --out, or empty it yourself"
            )
        _, foreign = owned_files(out)
        if foreign:
            raise UserError(
                f"--out {shorten(text)}: --overwrite replaces only the files ftzsim wrote, and it also holds "
                f"{_name_foreign(out, foreign)}; nothing was changed. Move them away, or choose another --out"
            )
    parent = real.parent
    anc = parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise UserError(f"--out {shorten(text)}: {anc.name!r} is not a directory")
    if not os.access(anc, os.W_OK):
        raise UserError(f"--out {shorten(text)}: parent directory is not writable")
    try:
        parent.mkdir(parents=True, exist_ok=True)  # "--out runs/b1" creates runs/
    except OSError as exc:
        raise UserError(f"--out {shorten(text)}: cannot create its parent folder ({exc.strerror})") from None
    return out


# --------------------------------------------------------------------------- locks
_HELD: dict[str, list] = {}  # lock path -> [open file, depth]: the locks this process holds


def _lock_path(out: Path) -> Path:
    real = Path(out).resolve()
    return real.parent / f".{real.name}.ftzsim-lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(out: str | Path) -> dict | None:
    """Who holds the writer's lock of ``out`` (pid, host, started, command), or None."""
    path = _lock_path(Path(out))
    if fcntl is None:  # pragma: no cover
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _holder_info(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _locked_error(out, info: dict, label: str = "--out") -> UserError:
    who = f"pid {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('started', '?')}"
    cmd = info.get("command")
    return UserError(
        f"{label} {shorten(str(out))}: another ftzsim {info.get('what', 'process')} is writing it ({who}"
        + (f": {shorten(' '.join(map(str, cmd)), 200)}" if isinstance(cmd, list) else "")
        + ("); wait for it to finish, or choose another --out" if label == "--out" else "); wait for it to finish")
    )


def _holder_info(path: Path) -> dict:
    try:
        info = json.loads(path.read_text(encoding="utf-8")[:10_000])
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


@contextmanager
def output_lock(out: str | Path, what: str = "output") -> Iterator[Path]:
    """Hold the writer's lock of the output directory ``out`` for the duration.

    The lock is an ``fcntl.flock`` on ``.NAME.ftzsim-lock`` next to ``out`` (beside it, not in
    it: a run's directory is assembled aside and renamed into place). A second writer of the
    same ``out`` (any ftzsim command, in any process) stops with :class:`UserError`, naming
    the holder's pid, host and start time. The kernel drops the lock of a process that dies,
    so the lock of a killed writer is taken over without any clean-up; the file itself is
    removed when the holder is done. Re-entrant within one process.
    """
    path = _lock_path(Path(out))
    key = str(path)
    if fcntl is None:  # pragma: no cover - no flock on this system: run unlocked
        yield path
        return
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield path
        finally:
            _HELD[key][1] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        # read-only: a file held open for writing would keep its file system from being
        # remounted read-only (and flock works on any descriptor)
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _locked_error(out, _holder_info(path)) from None
        # the file may have been removed by the holder we waited for: lock the one on disk
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    stale = _holder_info(path)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "what": what,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": ["ftzsim", *sys.argv[1:]]}  # fmt: skip
    if stale.get("pid") and stale.get("host") == info["host"] and not _pid_alive(int(stale["pid"])):
        info["took_over_from"] = {k: stale.get(k) for k in ("pid", "started")}
    with open(path, "w", encoding="utf-8") as fh:  # the holder's details, for a refused second writer
        fh.write(json.dumps(info))
    _HELD[key] = [fd, 1]
    try:
        yield path
    finally:
        del _HELD[key]
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        os.close(fd)


# --------------------------------------------------------------------------- atomic directories
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)-[A-Za-z0-9_]{8}\.partial|\.(?P<name2>.+)\.old-(?P<pid2>\d+)")


def clean_leftovers(out: Path) -> list[str]:
    """Remove what killed ftzsim writers of ``out`` left beside it: ``.NAME.PID-XXXXXXXX.partial``
    (a half-assembled output) and ``.NAME.old-PID`` (the previous output, being replaced).

    Called with the lock of ``out`` held, so no live ftzsim process is writing them; only
    those whose pid is dead (or older than a day) are touched. An ``.old`` directory when
    ``out`` itself is missing is the complete previous output, interrupted between two
    renames: it is put back, not removed. Returns what was done, for the caller to report.
    """
    real = Path(out).resolve()
    parent = real.parent
    done: list[str] = []
    if not parent.is_dir():
        return done
    for entry in parent.iterdir():
        m = _LEFTOVER.fullmatch(entry.name)
        if not m or (m.group("name") or m.group("name2")) != real.name or not entry.is_dir() or entry.is_symlink():
            continue
        pid = int(m.group("pid") or m.group("pid2"))
        age = time.time() - entry.stat().st_mtime
        if pid == os.getpid() or (_pid_alive(pid) and age < 86_400):
            continue
        if m.group("pid2") and not real.exists():
            os.replace(entry, real)
            done.append(f"restored {entry.name} as {real.name}")
            continue
        if m.group("pid2"):
            try:
                remove_owned(entry)
                if entry.exists():
                    entry.rmdir()
            except (UserError, OSError):
                continue  # something not ours is inside: leave it
        else:
            shutil.rmtree(entry, ignore_errors=True)
        done.append(f"removed {entry.name}")
    return done


@contextmanager
def atomic_output_dir(out: str | Path, overwrite: bool = False, kind: str = "ftzsim.run") -> Iterator[Path]:
    """Assemble an output directory under a temporary name; move it into place on success.

    On any error the temporary directory is removed and an existing ``out`` is left as it
    was, so a half-written result never sits where a complete one is expected. The writer's
    lock of ``out`` (:func:`output_lock`) is held throughout. The output's marker file
    (``manifest.json`` or ``calibration.json``) gets the list of every file written (``files``), so a
    later ``--overwrite`` knows what it may replace.
    """
    with output_lock(out, kind):
        out = check_out_dir(out, overwrite, kind)
        if out.is_symlink():  # replace what the link points to and keep the user's link
            out = out.resolve()
        clean_leftovers(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}-", suffix=".partial", dir=out.resolve().parent))
        try:
            yield tmp
            marker = tmp / _MARKERS[kind]
            if marker.is_file():
                data = json.loads(marker.read_text(encoding="utf-8"))
                data["files"] = [f for f in _all_entries(tmp) if not f.endswith("/")]
                write_json(data, marker)
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
            try:  # only what ftzsim wrote (checked before the run; a file added since is kept)
                remove_owned(old)
                old.rmdir()
            except (UserError, OSError) as exc:
                print(f"warning: the previous output was kept in {old.name}: {exc}", file=sys.stderr)


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
