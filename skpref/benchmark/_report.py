"""What both experiments report, written once: tables, text and figures, and mean curves.

Their messages count things through :func:`plural` (``"1 seed"``, ``"2 seeds"``).

The pool benchmark and the label-complexity study write their CSV tables, their text
summaries and their figures through the functions here. Every file is written whole and
at once (:mod:`skpref._atomic`): a regular file is replaced atomically, so a run stopped
while writing leaves the old report or the new one, never half of one; a stream (a FIFO, a
device) is written directly; nothing else (a directory, a socket) is ever replaced.
"""

import csv
import io
from pathlib import Path

import numpy as np

from .._atomic import write_output
from .._stats import standard_error

#: Resolution of the saved figures.
DPI = 120


def table_rows(table):
    """A table as a header and its rows: from a list of same-keyed dicts or a dict of columns.

    Parameters
    ----------
    table : list of dict or dict of array-like
        Rows (one dict per row, all with the keys of the first, in its order), or columns
        (``{name: values}``, all of one length), as the experiments return them.

    Returns
    -------
    header : list of str
    rows : list of list
        Python scalars for columns (``ndarray.tolist``), the values as given for rows.
    """
    if isinstance(table, dict):
        header = list(table)
        columns = [np.asarray(table[key]).tolist() for key in header]
        lengths = {len(column) for column in columns}
        if len(lengths) > 1:
            raise ValueError(f"The columns of a table differ in length: {sorted(lengths)}.")
        return header, [list(row) for row in zip(*columns)]
    rows = list(table)
    header = list(rows[0]) if rows else []
    for number, row in enumerate(rows):
        if set(row) != set(header):
            raise ValueError(
                f"Row {number} of the table has the keys {sorted(row)}, not the first row's "
                f"{sorted(header)}."
            )
    return header, [[row[key] for key in header] for row in rows]


def write_csv(path, table):
    """Write a table as CSV: a header line of its keys, one line per row, the file at once.

    ``csv``'s dialect (``excel``: quotes where needed, ``\\r\\n`` line ends); numbers as
    Python writes them (the shortest text that reads back the same float).

    Parameters
    ----------
    path : str or path-like
        A regular file (replaced atomically), a new path or a stream.
    table : list of dict or dict of array-like
        See :func:`table_rows`. An empty table writes an empty file.
    """
    header, rows = table_rows(table)
    buffer = io.StringIO()
    if header:
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
    write_output(path, buffer.getvalue().encode("utf-8"))


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` at once (see :func:`write_csv` for what it may be)."""
    write_output(path, text.encode("utf-8"))


def mean_curve(n_labels, values):
    """A seed-averaged curve: per distinct ``n_labels``, the mean value and its standard error.

    Parameters
    ----------
    n_labels : array-like of shape (n,)
        The label count of every checkpoint of every seed.
    values : array-like of shape (n,)
        The score (or paired difference) at that checkpoint.

    Returns
    -------
    grid, mean, se : ndarray
        The sorted distinct label counts, and the mean and standard error
        (:func:`~skpref.benchmark.standard_error`) of the values at each; the standard error
        is NaN where only one seed reached the count.

    Examples
    --------
    >>> from skpref.benchmark import mean_curve
    >>> grid, mean, se = mean_curve([10, 20, 10, 20, 30], [0.5, 0.6, 0.7, 0.8, 0.9])
    >>> grid.tolist(), [round(float(m), 2) for m in mean], [round(float(s), 2) for s in se]
    ([10, 20, 30], [0.6, 0.7, 0.9], [0.1, 0.1, nan])
    """
    n_labels = np.asarray(n_labels)
    values = np.asarray(values, dtype=float)
    grid, inverse = np.unique(n_labels, return_inverse=True)
    count = np.bincount(inverse, minlength=grid.size)
    mean = np.bincount(inverse, weights=values, minlength=grid.size) / count
    # One standard error per checkpoint (a few dozen), each from its own seeds.
    order = np.argsort(inverse, kind="stable")
    groups = np.split(values[order], np.cumsum(count)[:-1])
    se = np.array([standard_error(group) for group in groups], dtype=float)
    return grid, mean, se


def require_matplotlib(what):
    """Import matplotlib, or say which figure needs it and how to install it.

    Raises
    ------
    ImportError
        ``"<what> needs matplotlib: pip install 'skpref[benchmark]'."``
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(f"{what} needs matplotlib: pip install 'skpref[benchmark]'.") from error


def new_figure(figsize, *, pyplot, **kwargs):
    """A matplotlib figure: through pyplot to be shown, or a bare one to be saved.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches.
    pyplot : bool
        True: ``pyplot.figure`` (notebooks and the docs gallery show it). False: a bare
        :class:`matplotlib.figure.Figure`, which needs no GUI backend and no global state,
        so that saving works on a headless machine and leaves pyplot alone.
    **kwargs
        Passed to the figure (``layout="constrained"``, ...).
    """
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, **kwargs)
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, **kwargs)


def save_figure(figure, path, *, dpi=DPI):
    """Save ``figure`` to ``path`` at once, in the format of its extension (PNG, PDF, SVG, ...).

    The figure is rendered in memory, then written as :func:`write_csv` writes a table. A path
    without an extension gets matplotlib's default format (``savefig.format``) and its
    extension, as :meth:`matplotlib.figure.Figure.savefig` does.

    Returns
    -------
    path : str
        The path written.
    """
    import matplotlib

    path = str(path)
    suffix = Path(path).suffix[1:].lower()
    if not suffix:
        suffix = matplotlib.rcParams["savefig.format"]
        path = f"{path}.{suffix}"
    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix, dpi=dpi)
    write_output(path, buffer.getvalue())
    return path
