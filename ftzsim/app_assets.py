"""Offline browser assets for the app: Vega-Lite charts without a content delivery network.

Solara's chart widget asks its server for ``vega@5``, ``vega-lite@5`` and ``vega-embed@6``
(major versions); ``solara-assets`` installs exact versions (``vega@5.21.0`` ...) under
``<venv>/share/solara/cdn``, and with no internet the server cannot resolve the major version
and answers 404, leaving every chart blank. :func:`offline_cdn_dir` builds a directory of
links with both spellings, which ``ftzsim app`` hands to Solara
(``SOLARA_ASSETS_PROXY_CACHE_DIR``), so the app works on a machine without internet.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__all__ = ["offline_cdn_dir"]

_VERSIONED = re.compile(r"^(?P<name>@?[^@]+)@(?P<major>\d+)\.\d+\.\d+$")


def offline_cdn_dir(cache: Path | None = None) -> Path | None:
    """A directory of links to the installed Solara assets, each also under its major version.

    Returns ``None`` when no installed assets are found (Solara then fetches from the network
    as usual). The directory is rebuilt when it is missing or an entry is missing.
    """
    source = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not source.is_dir():
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = cache or base / "ftzsim" / "solara-cdn"
    cache.mkdir(parents=True, exist_ok=True)
    links: dict[str, Path] = {}
    for entry in sorted(source.iterdir()):
        links[entry.name] = entry
        m = _VERSIONED.match(entry.name)
        if m and entry.is_dir():
            links[f"{m['name']}@{m['major']}"] = entry
    for name, target in links.items():
        link = cache / name
        if link.is_symlink() and link.resolve() != target.resolve():
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.symlink_to(target, target_is_directory=target.is_dir())
    return cache
