"""The paper's experiment, runnable by anyone: simulated active loops on real data.

:func:`run_benchmark` runs every strategy over datasets and seeds with the
protocol of the paper's experiment and returns the learning curves;
:func:`summarize` turns them into paired comparisons with random sampling,
:func:`format_summary` into the summary table and
:func:`plot_learning_curves` into a figure. ``skpref benchmark`` is the
command-line front end.
"""

from ._figure import plot_learning_curves
from ._protocol import (
    DEFAULT_C,
    DEFAULT_MAX_SEEDS,
    DEFAULT_N_SEEDS,
    DEFAULT_STRATEGY_PARAMS,
    DEFAULT_TEACHER_ACCURACY,
    run_benchmark,
    teacher_scale,
)
from ._summary import format_summary, summarize

__all__ = [
    "DEFAULT_C",
    "DEFAULT_MAX_SEEDS",
    "DEFAULT_N_SEEDS",
    "DEFAULT_STRATEGY_PARAMS",
    "DEFAULT_TEACHER_ACCURACY",
    "format_summary",
    "plot_learning_curves",
    "run_benchmark",
    "summarize",
    "teacher_scale",
]
