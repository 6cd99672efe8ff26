"""The ``skpref`` command: parse the options, call the library, map the outcome to an exit status.

The command line sits on top of every layer and calls only their public names:
:mod:`skpref.campaign` (``select``, ``status``, ``fit``, ``score``),
:mod:`skpref.annotate` (``annotate``, ``export``), :mod:`skpref.embed` (``embed``) and
:mod:`skpref.benchmark` (``benchmark``, ``label-complexity``), one small module per group.
No library module imports argparse or this package.

Every command ends with one of these exit statuses, mapped in one place (:func:`main`):

* 0: done;
* 1: a problem with the files or the data (:class:`skpref.exceptions.InputError`, such as
  :class:`skpref.campaign.CampaignError`, or an ``OSError``), reported as ``skpref <command>:
  error: ...`` on standard error; the campaign commands write nothing then;
* 2: bad options, found before any file is read or written;
* 128 + n: stopped by signal n (130 for ``SIGINT``, 143 for ``SIGTERM``, 129 for ``SIGHUP``).
  While a command runs, these three signals raise an exception in the main thread, so the code
  under way cleans up as it does for Ctrl-C (a batch being written loses its temporary file,
  the old batch file stays), and the command prints ``skpref <command>: stopped by
  SIGTERM.`` instead of a traceback. A signal that is ignored when the command starts
  (``nohup``, a shell's background job) stays ignored.
"""

from ._main import Stopped, build_parser, main

__all__ = ["Stopped", "build_parser", "main"]
