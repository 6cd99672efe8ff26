"""Small public helpers shared by skpref's layers and its command.

:func:`plural` and :func:`nouns` put a count before the noun that agrees with
it; every message of the library and of the ``skpref`` command that counts
something is built with them (they live in :mod:`skpref._text`).

Examples
--------
>>> from skpref.utils import plural
>>> plural(1, "labeled pair"), plural(3, "labeled pair")
('1 labeled pair', '3 labeled pairs')
"""

from ._text import nouns, plural

__all__ = ["nouns", "plural"]
