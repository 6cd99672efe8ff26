"""The ``skpref`` command."""

import argparse
import sys


# Each command lives beside the code it drives, in a module with an
# ``add_commands(subparsers)`` function that adds its parser(s) and sets
# ``run``; this file only dispatches.
_COMMAND_MODULES = (
    "skpref.benchmark._command",
    "skpref.campaign._command",
    "skpref.design._study",
)


def build_parser():
    """The argument parser of the ``skpref`` command."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="skpref", description="Active preference learning with Bradley-Terry models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_commands(commands)
    return parser


def main(argv=None):
    """Entry point of the ``skpref`` command."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
