"""What every ``skpref`` command shares: parsing option text, naming options, help, messages.

An option's text is parsed here into an ``int``, a ``float`` or a ``str`` and nothing more
(``--strategy`` and the like keep argparse's ``choices``: a name is parsed by finding it).
Its range is checked once, by the function that owns the parameter (``select_batch``,
``run_benchmark``, ``Server``, ...): each command calls the owner's ``check_params`` before
it reads or writes any file, and :mod:`skpref.cli._main` reports the owner's error under the
option's name (:func:`option_message`), with exit status 2.

Examples
--------
>>> integer("20"), number("0.5"), number("1e-3")
(20, 0.5, 0.001)
>>> integer("1.5")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be an integer, got '1.5'
>>> option_message(
...     "The 'random_state' parameter of run_benchmark must be an int in the range "
...     "[0, 4294967295], an instance of 'numpy.random.mtrand.RandomState' or None. "
...     "Got -1 instead.", {"random_state": "--seed"})
'argument --seed: must be an integer in [0, 4294967295], got -1'
"""

import argparse
import re
import sys
import textwrap

#: scikit-learn's message for a parameter outside its constraints (``InvalidParameterError``).
_INVALID = re.compile(
    r"The '(?P<name>\w+)' parameter of \S+ must be (?P<rule>.*)\. Got (?P<value>.*) instead\.",
    re.DOTALL,
)


def add_command(subparsers, name, *, help, description, epilog=None):
    """Add the subcommand ``name``: its description wrapped to 78 columns, its epilog as written.

    The epilog (file formats, exit statuses) keeps its own line breaks, which argparse's default
    formatter would refill.
    """
    return subparsers.add_parser(
        name, help=help, description=textwrap.fill(description, width=78), epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


#: ``--scheduler`` of the commands that score a pool (select, annotate).
SCHEDULER_HELP = (
    "a Dask scheduler for a pool directory (DIR.zarr): local (a LocalCluster on this "
    "machine, closed when the command ends) or an address such as tcp://host:8786 (a "
    "running cluster, left running); default: Dask's threads in this process"
)


def _shown(text, limit=40):
    """``repr(text)``, cut to ``limit`` characters (a 5000-digit value is not echoed back)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def integer(text):
    """An integer option's text as an ``int`` (``"1.5"``, ``"1e3"`` and ``"x"`` are refused)."""
    try:
        return int(text)
    except ValueError:  # int("1.5"), int("x"), more than 4300 digits
        raise argparse.ArgumentTypeError(f"must be an integer, got {_shown(text)}") from None


def number(text):
    """A number option's text as a ``float`` (``"nan"`` and ``"inf"`` parse; owners refuse them)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {_shown(text)}") from None


def option_of(name, options):
    """The option that gives the owner's parameter ``name``: ``options[name]`` or ``--name``.

    An entry of ``options`` is the option, or ``(option, scale)`` when the owner's value is the
    option's times ``scale`` (``--lease-minutes`` is ``lease_seconds / 60``).
    """
    found = options.get(name, "--" + name.replace("_", "-"))
    return found if isinstance(found, tuple) else (found, 1)


def _alternatives(rule):
    """Split ``"A, B or C"`` at the commas and the ``or`` outside brackets and quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(rule):
        char = rule[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "[({":
            depth += 1
        elif not quoted and char in "])}":
            depth -= 1
        elif not quoted and depth == 0:
            for separator in (", ", " or "):
                if rule.startswith(separator, i):
                    parts.append(rule[start:i])
                    start = i + len(separator)
                    i = start - 1
                    break
        i += 1
    return [*parts, rule[start:]]


def _number_text(text, scale=1):
    """A number of a message as a person types it: ``"0.0"`` is ``0``, ``"1e+100"`` stays."""
    try:
        value = float(text) / scale
    except ValueError:
        return text
    if value != value or value in (float("inf"), float("-inf")) or abs(value) >= 1e16:
        return repr(value)
    return str(int(value)) if value == int(value) else repr(value)


def _in_words(rule, scale=1):
    """scikit-learn's constraint text, in the words of a command line.

    ``"an int in the range [0, 4294967295], an instance of 'RandomState' or None"`` becomes
    ``"an integer in [0, 4294967295]"``: what a text option cannot be (an object, None, a
    bool) is left out, ``int`` and ``float`` are called an integer and a number.
    """
    kept = []
    for part in _alternatives(rule):
        if part in ("None", "a bool") or part.startswith("an instance of"):
            continue
        part = re.sub(r"^an? int among \{(.*)\}$", r"\1", part)
        part = re.sub(r"^an? str among \{(.*)\}$", r"one of \1", part)
        part = (part.replace("an int in the range ", "an integer in ")
                .replace("a float in the range ", "a number in ")
                .replace("floats in the range ", "numbers in ")
                .replace("a real number in the range ", "a number in "))
        part = re.sub(r"-?\d+(?:\.\d*)?(?:e[+-]?\d+)?",
                      lambda found: _number_text(found.group(), scale), part)
        kept.append(part)
    if not kept:
        return rule
    return kept[0] if len(kept) == 1 else f"{', '.join(kept[:-1])} or {kept[-1]}"


def option_message(message, options):
    """An owner's ``InvalidParameterError`` message, as argparse words it for an option.

    ``"The 'C' parameter of select_batch must be a float in the range [1e-100, 1e+100].
    Got 0.0 instead."`` becomes ``"argument --C: must be a number in [1e-100, 1e+100], got
    0.0"``. A message of another form is returned as it is.

    Parameters
    ----------
    message : str
    options : dict
        The command's parameter-to-option names that are not ``--`` + the name with
        dashes (see :func:`option_of`).
    """
    found = _INVALID.fullmatch(message.strip())
    if found is None:
        return message
    option, scale = option_of(found["name"], options)
    value = _number_text(found["value"], scale)
    return f"argument {option}: must be {_in_words(found['rule'], scale)}, got {value}"


class DefaultOnceFormatter(argparse.HelpFormatter):
    """Help that states each option's default once: in its own words, or appended.

    An option whose help already says what its default is (``"(default: the three real
    ones ...)"``, where the value is None or a rule) keeps its words; any other option that
    takes a value gets ``(default: VALUE)`` appended, a list as it is typed on the command line
    (``0.1 0.05 0.01``). A flag (``--quick``) is off unless given and gets nothing:
    ``argparse.ArgumentDefaultsHelpFormatter`` prints ``(default: None)`` after a help that
    already gave the default in words, and ``(default: False)`` after every flag.
    """

    def _get_help_string(self, action):
        text = action.help or ""
        if (
            "default" in text
            or action.nargs == 0
            or action.default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        value = action.default
        if isinstance(value, (list, tuple)):
            value = " ".join(str(item) for item in value)
        # The help is %-formatted by argparse: a literal % in the value must stay one.
        return f"{text} (default: {str(value).replace('%', '%%')})"


def report(command, kind, message):
    """Print ``skpref <command>: <kind>: <message>`` on standard error."""
    print(f"skpref {command}: {kind}: {message}", file=sys.stderr)
