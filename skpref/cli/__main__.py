"""``python -m skpref.cli``: the ``skpref`` command, as ``python -m skpref`` runs it."""

import sys

from ._main import main

if __name__ == "__main__":
    sys.exit(main())
