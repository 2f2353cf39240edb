"""``ftzsim app``: the interactive app's server (Solara), on this machine only unless allowed."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from ftzsim.cli import app
from ftzsim.io import UserError


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _no_orphan() -> None:
    """In the app's server process (between fork and exec): die with the ``ftzsim app``
    process (Linux ``PR_SET_PDEATHSIG``), so even a SIGKILLed parent leaves no server."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


@app.command("app")
def app_cmd(
    host: Annotated[str, typer.Option(help="address to listen on (default: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open a browser tab")] = False,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="allow a --host other machines can reach (the app has no login)")
    ] = False,
) -> None:
    """Start the interactive app (Mesa SolaraViz) on http://HOST:PORT/.

    The app has no authentication: it listens on this machine only unless --allow-remote.
    """
    import os
    import socket
    import subprocess

    import ftzsim

    if not _is_loopback(host):
        if not allow_remote:
            raise UserError(
                f"--host {host!r}: the app has no authentication, so it listens on this machine only "
                "(127.0.0.1, ::1, localhost); pass --allow-remote to serve it to other machines"
            )
        typer.echo(f"warning: serving the app on {host}:{port} to other machines; it has NO authentication: "
                   "anyone who can reach this port can use it", err=True)  # fmt: skip
    try:  # a busy port or an address this machine does not have: say so before starting
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as exc:
        raise UserError(f"--host {host!r} --port {port}: cannot listen there ({exc.strerror or exc})") from None
    app_file = Path(ftzsim.__file__).with_name("app.py")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    from ftzsim.app_assets import offline_cdn_dir

    cdn = offline_cdn_dir()  # charts drawn from the installed assets, no internet needed
    if cdn is not None:
        env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(cdn))
    # production mode: no file watcher or auto-reload (a user runs the app, not develops it; the
    # watcher also fails where inotify instances run out, as on busy CI machines)
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host, "--port", str(port), "--production"]
    cmd += [] if open_browser else ["--no-open"]
    # its own process group, so that stopping it stops everything it started
    orphan_guard = _no_orphan if sys.platform.startswith("linux") else None
    child = subprocess.Popen(cmd, env=env, start_new_session=os.name == "posix", preexec_fn=orphan_guard)
    try:
        code = child.wait()
    except BaseException:  # Ctrl-C, SIGTERM (see main): stop the server before leaving
        _stop_group(child)
        raise
    if code < 0 or code in (130, 143):
        raise KeyboardInterrupt
    if code != 0:
        typer.echo(f"error: the app server stopped with exit code {code}", err=True)
        raise typer.Exit(1)


def _stop_group(child) -> None:
    import os
    import subprocess

    if not hasattr(os, "killpg"):  # pragma: no cover - not POSIX
        child.terminate()
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
