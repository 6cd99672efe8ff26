"""The pool benchmark's output directory: its tables, its summary and its figure."""

from pathlib import Path

from sklearn.utils import Bunch

from ._figure import plot_learning_curves
from ._report import write_csv, write_text
from ._summary import format_summary, summarize


def write_benchmark_report(result, directory):
    """Write what ``skpref benchmark`` writes for a run of :func:`run_benchmark`.

    ``directory`` (created with its parents if need be) receives
    ``curves.csv`` (every checkpoint), ``reference.csv`` (the whole-pool fits),
    ``summary.csv`` (the rows of :func:`summarize`), ``summary.txt`` (the table
    of :func:`format_summary`, with its legend), ``teachers.csv`` in teacher
    mode, and ``learning_curves.png`` (:func:`plot_learning_curves`) when
    matplotlib is installed. Each file is written whole, at once
    (:mod:`skpref._atomic`); nothing else in the directory is touched.

    Parameters
    ----------
    result : :class:`~sklearn.utils.Bunch`
        The return value of :func:`run_benchmark`.
    directory : str or path-like
        Where to write.

    Returns
    -------
    report : :class:`~sklearn.utils.Bunch`
        ``table`` (the text of ``summary.txt``), ``rows`` (the summary rows),
        ``written`` (the file names, in the order written) and
        ``figure_error`` (why there is no figure, or None).

    Examples
    --------
    >>> import os, tempfile
    >>> from skpref.benchmark import run_benchmark, write_benchmark_report
    >>> result = run_benchmark(["synthetic"], strategies=["random"], budget=20, n_seeds=2)
    >>> report = write_benchmark_report(result, tempfile.mkdtemp())
    >>> report.written[:4]
    ['curves.csv', 'reference.csv', 'summary.csv', 'summary.txt']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = summarize(result.curves)
    table = format_summary(rows, result.reference, teachers=result.teachers, legend=True)
    write_csv(out / "curves.csv", result.curves)
    write_csv(out / "reference.csv", result.reference)
    write_csv(out / "summary.csv", rows)
    write_text(out / "summary.txt", table)
    written = ["curves.csv", "reference.csv", "summary.csv", "summary.txt"]
    if result.teachers:
        write_csv(out / "teachers.csv", result.teachers)
        written.append("teachers.csv")
    figure_error = None
    try:
        plot_learning_curves(result.curves, out / "learning_curves.png", reference=result.reference)
        written.append("learning_curves.png")
    except ImportError as error:
        figure_error = str(error)
    return Bunch(table=table, rows=rows, written=written, figure_error=figure_error)
