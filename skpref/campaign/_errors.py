"""The one exception of the campaign commands, and how they list offenders."""

from ..exceptions import InputError


class CampaignError(InputError):
    """A problem with the user's files, data or options.

    The commands print its message after ``skpref <command>: error:`` and
    exit with status 1, without a traceback (:mod:`skpref.cli`).
    """


#: At most this many offending lines or rows are listed in one message.
MAX_LISTED = 20


def listing(items, limit=MAX_LISTED):
    """``"a, b, c"``, or the first ``limit`` items and ``"and N more"``.

    Examples
    --------
    >>> listing(["3", "5"])
    '3, 5'
    >>> listing([str(i) for i in range(25)], limit=3)
    '0, 1, 2 and 22 more'
    """
    items = list(items)
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown
