"""The ``ftzsim`` command line: every command, each a thin layer over a library function.

Where the commands are: :mod:`ftzsim.cli.model` (``scenarios``, ``levers``, ``validate``,
``run``, ``calibrate``), :mod:`ftzsim.cli.engine` (``sweep``, ``sensitivity``, ``compare``,
``robustness``, ``discover``), :mod:`ftzsim.cli.effects` (``effects``), :mod:`ftzsim.cli.plot`
(``plot``) and :mod:`ftzsim.cli.serve` (``app``).

Exit codes (the only ones ``ftzsim`` returns):

* 0 success;
* 1 failure of the program itself or of the system (a bug, a full or read-only disk);
* 2 bad input: a message naming the file, field and what is allowed, never a traceback;
  also an output directory another ftzsim process is writing (the lock's holder is named);
* 130 interrupted: Ctrl-C (SIGINT), SIGTERM or SIGHUP; a sweep's manifest then says
  ``interrupted`` and ``--resume`` continues it.
"""

from __future__ import annotations

import signal
import sys
import traceback

import typer

try:  # typer >= 0.20 vendors click; older releases use click itself
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException as _ClickException

from ftzsim.io import UserError
from ftzsim.scenario import ScenarioError

__all__ = ["app", "main"]

app = typer.Typer(
    name="ftzsim",
    help="Agent-based simulation of China's pilot free trade zones and their digital reform.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _echo_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    typer.echo(line)
    typer.echo("  ".join("-" * w for w in widths))
    for r in rows:
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


#: Signals that stop a command like Ctrl-C (those this system has).
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwound like Ctrl-C (outputs stay whole, exit code 130)."""


def _terminate(signum, frame):
    raise _Terminated(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn user mistakes into exit code 2 without a traceback.

    SIGTERM and SIGHUP are handled like Ctrl-C while a command runs (so a sweep's manifest
    says ``interrupted`` and the app's server is stopped), exit code 130.
    """
    import threading

    old = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                old[sig] = signal.signal(sig, _terminate)
    try:
        return _main(argv)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _main(argv: list[str] | None) -> int:
    from ftzsim.io import MAX_MESSAGE, shorten

    try:
        rv = app(args=argv, standalone_mode=False)
    except (ScenarioError, UserError) as exc:
        typer.echo(f"error: {shorten(str(exc), MAX_MESSAGE * 5)}", err=True)
        return 2
    except _ClickException as exc:  # usage errors: bad option, missing argument, no such command
        exc.message = shorten(str(exc.message), MAX_MESSAGE)  # it quotes the value given
        exc.show()
        return 2
    except typer.Exit as exc:
        return exc.exit_code if exc.exit_code in (0, 1, 2, 130) else 1
    except OSError as exc:  # disk full, read-only or permission denied: a system problem, said plainly
        typer.echo(f"error: {shorten(str(exc), MAX_MESSAGE)}", err=True)
        return 1
    except RecursionError:
        typer.echo("error: the input is nested too deeply to be processed", err=True)
        return 2
    except MemoryError:
        typer.echo("error: out of memory; the request is too large for this machine", err=True)
        return 1
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return 130
    except Exception:
        traceback.print_exc()
        typer.echo("ftzsim failed: this is a bug or a system problem, not a mistake in your input", err=True)
        return 1
    if rv == 130:  # typer turns KeyboardInterrupt (Ctrl-C, or SIGTERM via _terminate) into 130
        typer.echo("interrupted", err=True)
    return rv if isinstance(rv, int) and rv in (0, 1, 2, 130) else (1 if isinstance(rv, int) and rv else 0)


def _register_commands() -> None:
    """Commands grouped by what they drive: the model, the experiment engine, the effect
    card, the figures and the app."""
    from ftzsim.cli import effects, engine, model, plot, serve  # noqa: F401 (model and serve register by decorator)

    engine.register(app)
    effects.register(app)
    plot.register(app)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
