"""Option types and help formatting shared by every ``skpref`` command.

Every numeric option is parsed by one of the types below, so that argparse
itself rejects a value outside the option's range (exit status 2, the message
``argument --x: must be ...``) before any file is read. A value is checked
for its kind (an integer option takes no ``1.5`` or ``1e3``; a number option
takes no ``nan`` or ``inf``) and for its range, and the message names the
bound that was violated.


Examples
--------
>>> batch_size = integer(1)
>>> batch_size("20")
20
>>> batch_size("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be an integer >= 1, got '0'
>>> SEED("4294967296")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be an integer <= 4294967295, got '4294967296'
>>> number(0.0, 100.0)("nan")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a finite number in [0, 100], got 'nan'
"""

import argparse
import math
import sys

#: Largest ``--seed``: scikit-learn's ``random_state`` and numpy's legacy
#: ``RandomState`` take seeds in ``[0, 2**32 - 1]``.
MAX_SEED = 2**32 - 1

#: Largest count option (batch sizes, folds, runs): numpy's and joblib's C integers.
MAX_COUNT = 2**31 - 1


class UsageError(Exception):
    """Options that are valid one by one but not together (exit status 2)."""


def _shown(text, limit=40):
    """``repr(text)``, cut to ``limit`` characters (a 5000-digit value is not echoed back)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def _bound(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Range:
    """An argparse type: parse with ``kind``, then check ``[minimum, maximum]``.

    ``positive`` adds the bound ``> 0`` before ``minimum`` (for options such as
    ``--C`` whose useful range starts far above 0 but whose natural first
    condition is "positive").
    """

    def __init__(self, kind, noun, minimum=None, maximum=None, *, positive=False,
                 exclusive=False):
        self.kind, self.noun = kind, noun
        self.minimum, self.maximum = minimum, maximum
        self.positive, self.exclusive = positive, exclusive
        self.__name__ = noun  # argparse names the type by this in some messages

    def describe(self):
        """``"an integer >= 1"``, ``"a finite number in [0, 100]"``, ..."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            left, right = "()" if self.exclusive else "[]"
            return f"{self.noun} in {left}{_bound(low)}, {_bound(high)}{right}"
        if low is not None:
            return f"{self.noun} {'>' if self.exclusive else '>='} {_bound(low)}"
        if high is not None:
            return f"{self.noun} {'<' if self.exclusive else '<='} {_bound(high)}"
        return self.noun

    def _fail(self, condition, text):
        raise argparse.ArgumentTypeError(f"must be {condition}, got {_shown(text)}")

    def __call__(self, text):
        try:
            value = self.kind(text)
        except (TypeError, ValueError):  # int("1.5"), float("x"), > 4300 digits
            self._fail(self.describe(), text)
        if isinstance(value, float) and not math.isfinite(value):
            self._fail(self.describe(), text)
        low, high = self.minimum, self.maximum
        if self.positive and not value > 0:
            self._fail(f"{self.noun} > 0", text)
        if low is not None and (value <= low if self.exclusive else value < low):
            self._fail(f"{self.noun} {'>' if self.exclusive else '>='} {_bound(low)}", text)
        if high is not None and (value >= high if self.exclusive else value > high):
            self._fail(f"{self.noun} {'<' if self.exclusive else '<='} {_bound(high)}", text)
        return value

    def __repr__(self):
        return f"<{self.describe()}>"


def integer(minimum=None, maximum=MAX_COUNT):
    """An integer option in ``[minimum, maximum]`` (``"1.5"``, ``"1e3"`` are refused).

    Examples
    --------
    >>> integer(2)("5")
    5
    """
    return _Range(int, "an integer", minimum, maximum)


def number(minimum=None, maximum=None, *, positive=False, exclusive=False):
    """A finite float option in ``[minimum, maximum]`` (``(minimum, maximum)`` if ``exclusive``).

    Examples
    --------
    >>> number(0.0, 1.0, exclusive=True)("0.05")
    0.05
    """
    return _Range(float, "a finite number", minimum, maximum, positive=positive,
                  exclusive=exclusive)


#: ``--seed`` of every command.
SEED = integer(0, MAX_SEED)

#: ``--C``, the model's inverse regularisation strength (the prior variance of each
#: coefficient): positive, and far from where ``C`` or ``1 / C`` leave double precision.
INVERSE_REGULARISATION = number(1e-100, 1e100, positive=True)


def n_jobs(text):
    """``-1`` (every core) or an integer in ``[1, 1024]``.

    Examples
    --------
    >>> n_jobs("-1"), n_jobs("2")
    (-1, 2)
    """
    if text.strip() == "-1":
        return -1
    try:
        return integer(1, 1024)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"must be -1 (every core) or an integer in [1, 1024], got {_shown(text)}"
        ) from None


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
