"""Build the parser, dispatch, install the stop signals, map every outcome to its exit status.

The exit statuses are those of :mod:`skpref.cli`; this module is the one place that maps
errors and signals to them. Python itself must import numpy and scikit-learn before this
module runs; a ``SIGINT`` in that first second still ends in Python's own
``KeyboardInterrupt`` message (nothing has been read or written by then).
"""

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings

from sklearn.utils._param_validation import InvalidParameterError

from ..exceptions import InputError, ParameterError
from . import _annotate, _benchmark, _campaign, _embed, _label_complexity
from ._options import option_message, option_of

# One module per command group, each with an ``add_commands(subparsers)`` function that adds
# its parser(s) and sets, with ``set_defaults``:
#   run              the function of the parsed arguments that returns the exit status; it
#                    calls the owner's ``check_params`` before it reads or writes anything;
#   options          {parameter: option} where an owner's parameter is not the option's name
#                    with underscores (``random_state``: ``--seed``), for the messages;
#   report_warnings  True to turn Python warnings into ``skpref <command>: warning:`` lines;
#   usage_errors     further exception classes that mean bad options (exit status 2).
# This module only dispatches, and maps every outcome to its exit status.
_COMMAND_MODULES = (_annotate, _benchmark, _campaign, _label_complexity, _embed)

#: Signals that stop a command cleanly; SIGTERM is installed last (a test waits for it).
_STOP_SIGNALS = ("SIGINT", "SIGHUP", "SIGTERM")


class Stopped(KeyboardInterrupt):
    """Raised in the main thread by a stop signal (a KeyboardInterrupt, so it unwinds alike)."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class _SignalsStop:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Stopped`, once; the old handlers come back.

    A second signal while the first one unwinds is recorded and not raised,
    so that the cleanup under way (removing a temporary file) finishes.
    """

    def __init__(self):
        self.received = None
        self.closing = False
        self.previous = {}

    def install(self):
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for name in _STOP_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:  # pragma: no cover - Windows has no SIGHUP
                continue
            current = signal.getsignal(number)
            if current is signal.SIG_IGN:
                continue  # nohup or a background job: stay ignored
            self.previous[number] = signal.SIG_DFL if current is None else current
            signal.signal(number, self._handle)

    def _handle(self, signum, frame):
        if self.received is None and not self.closing:
            self.received = signum
            raise Stopped(signum)
        if self.received is None:
            self.received = signum

    def restore(self):
        self.closing = True
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous = {}


def build_parser():
    """The argument parser of the ``skpref`` command."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="skpref", description="Active preference learning with Bradley-Terry models."
    )
    parser.add_argument("--version", action="version", version=f"skpref {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in _COMMAND_MODULES:
        module.add_commands(commands)
    return parser


def _report(command, kind, message):
    print(f"skpref {command}: {kind}: {message}", file=sys.stderr)


def _describe(error):
    """An OSError in words, with its path: ``'/x/next.csv: No space left on device'``."""
    text = error.strerror or str(error)
    return f"{error.filename}: {text}" if error.filename else text


def _run(args):
    """Run the parsed command; errors become one message and their exit status."""
    command = args.command
    caught = []
    with contextlib.ExitStack() as stack:
        if getattr(args, "report_warnings", False):
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
        options = getattr(args, "options", {})
        try:
            code = args.run(args)
        except InvalidParameterError as error:  # an owner refused an option's value
            code = 2
            _report(command, "error", option_message(str(error), options))
        except ParameterError as error:  # options refused together
            code = 2
            _report(command, "error", error.render(
                lambda name, value: f"{option_of(name, options)[0]} {value}"))
        except getattr(args, "usage_errors", ()) as error:
            code = 2
            _report(command, "error", error)
        except InputError as error:
            code = 1
            _report(command, "error", error)
        except BrokenPipeError:  # ``| head``: the reader left; nothing to report
            sys.stdout = open(os.devnull, "w")
            code = 1
        except MemoryError:
            code = 1
            _report(command, "error", "not enough memory.")
        except OSError as error:
            code = 1
            _report(command, "error", f"{_describe(error)}.")
    for message in dict.fromkeys(str(w.message) for w in caught):
        _report(command, "warning", message)
    return code


def main(argv=None):
    """Entry point of the ``skpref`` command; returns the exit status.

    Examples
    --------
    Bad options end with exit status 2 before any file is read (the message is on
    standard error: ``skpref status: error: argument --folds: must be an integer in [2,
    2147483647], got 1``):

    >>> main(["status", "--pool", "pool.npz", "--labels", "labels.csv", "--folds", "1"])
    2

    argparse itself stops the command on an option it cannot parse:

    >>> main(["status", "--pool", "pool.npz", "--labels", "labels.csv", "--folds", "x"])
    Traceback (most recent call last):
    ...
    SystemExit: 2
    """
    stops = _SignalsStop()
    command = None
    try:
        stops.install()
        try:
            args = build_parser().parse_args(argv)
            command = args.command
            return _run(args)
        finally:
            stops.closing = True
    except KeyboardInterrupt:  # Stopped, or a library's re-raised KeyboardInterrupt
        signum = stops.received or signal.SIGINT
        try:
            print(
                f"skpref{' ' + command if command else ''}: stopped by "
                f"{signal.Signals(signum).name}.",
                file=sys.stderr,
            )
        except (OSError, ValueError):  # stderr closed
            pass
        return 128 + signum
    finally:
        stops.restore()
