"""Words for counts in messages: ``"1 label"``, ``"2 labels"``.

Every message of the ``skpref`` commands that puts a count before a noun
builds the pair here, so that no command reports "1 labeled pairs" or
"1 seeds".
"""


def plural(count, singular, many=None):
    """``count`` and the noun that agrees with it: ``"1 pair"``, ``"0 pairs"``, ``"2 pairs"``.

    English takes the singular for exactly one and the plural otherwise
    (zero included). A multi-word noun agrees on its whole text, so put the
    counted word last (``"labeled pair"``) or give ``many``.

    Parameters
    ----------
    count : int
        The number (printed as given).
    singular : str
        The noun for one: ``"labeled pair"``.
    many : str, default=None
        The noun for any other count; ``singular + "s"`` when None
        (``"entry"`` needs ``many="entries"``).

    Returns
    -------
    str

    Examples
    --------
    >>> plural(1, "labeled pair"), plural(2, "labeled pair"), plural(0, "seed")
    ('1 labeled pair', '2 labeled pairs', '0 seeds')
    >>> plural(1, "entry", "entries"), plural(3, "entry", "entries")
    ('1 entry', '3 entries')
    """
    return f"{count} {singular if count == 1 else (singular + 's' if many is None else many)}"


def nouns(count, singular, many=None):
    """Only the noun of :func:`plural`, for a count printed elsewhere.

    Examples
    --------
    >>> nouns(1, "pair"), nouns(5, "pair")
    ('pair', 'pairs')
    """
    return plural(count, singular, many).split(" ", 1)[1]


__all__ = ["nouns", "plural"]
