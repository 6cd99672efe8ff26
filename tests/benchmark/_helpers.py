"""What the benchmark's test modules share: the data directory and a small run's settings."""

import os
import re

import pytest

from skpref.datasets import available_datasets

DATA = os.environ.get("SKPREF_DATA")

needs_data = pytest.mark.skipif(
    not DATA or len(available_datasets(DATA)) < 3,
    reason="the real datasets are read from SKPREF_DATA (set in CI by .ci/run)",
)

#: A run of a few seconds: 4 checkpoints, 2 seeds.
SMALL = {"budget": 40, "batch_size": 10, "n_initial": 10, "n_seeds": 2}


def option_helps(help_text):
    """``{"--option": (takes_value, help)}`` from an argparse help text, and the usage's options.

    An option's entry starts on a line indented by two spaces with a dash; its invocation
    (``--budget BUDGET``) is separated from the help by two spaces or more, or the help starts
    on the next, deeper indented line. ``takes_value``: the invocation has a metavar.
    """
    usage, _, options = help_text.partition("\noptions:\n")
    entries, current = {}, None
    for line in options.splitlines():
        if re.match(r"^  -", line):
            invocation, _, text = line.strip().partition("  ")
            names = re.split(r", (?=-)", invocation)  # "-h, --help"; not "{gap,uniform}"
            current = names[-1].split()[0]
            entries[current] = [any(" " in name for name in names), text.strip()]
        elif current is not None and line.startswith("   "):
            entries[current][1] = f"{entries[current][1]} {line.strip()}".strip()
        else:
            current = None  # the epilog, or a blank line
    in_usage = set(re.findall(r"\[(--[A-Za-z][A-Za-z-]*)", usage))
    return {name: tuple(entry) for name, entry in entries.items()}, in_usage


def assert_defaults_once(help_text):
    """Every option has a help; one that takes a value states its default exactly once."""
    helps, in_usage = option_helps(help_text)
    assert set(helps) - {"--help"} == in_usage
    for name, (takes_value, text) in helps.items():
        assert text, f"{name} has no help"
        expected = 1 if takes_value else 0
        assert text.count("default") == expected, f"{name}: {text!r}"
        assert "(default: None)" not in text and "(default: False)" not in text, name
