"""The experiments, runnable by anyone: the pool benchmark and the label-complexity study.

The pool benchmark (the paper's experiment) runs simulated active loops on real data:
:func:`run_benchmark` runs every strategy over datasets and seeds and returns the learning
curves; :func:`summarize` turns them into paired comparisons with random sampling,
:func:`format_summary` into the summary table, :func:`plot_learning_curves` into a figure,
and :func:`write_benchmark_report` writes all of them as ``skpref benchmark`` does.

The label-complexity study checks Algorithm 1 (:class:`skpref.design.PhasedElimination`)
against its theory on synthetic instances (:func:`default_instances`,
:func:`make_gap_instance`, :func:`make_rare_tie_instance`, labels from a
:class:`BernoulliOracle`): :func:`label_complexity_study` returns one row per instance,
design and ``delta``, :func:`format_label_complexity` the summary,
:func:`plot_label_complexity` the figure and :func:`write_label_complexity_report` the files
of ``skpref label-complexity``.

Both report through one module: tables and figures written at once, and the same
statistics (:func:`standard_error`, :func:`mean_curve`, :func:`clopper_pearson_upper`).
"""

from .._stats import clopper_pearson_upper, standard_error
from ._benchmark_report import write_benchmark_report
from ._figure import plot_learning_curves
from ._instances import (
    BernoulliOracle,
    default_instances,
    make_gap_instance,
    make_rare_tie_instance,
)
from ._label_complexity import DESIGNS, label_complexity_study
from ._label_complexity_figure import plot_label_complexity
from ._label_complexity_report import write_label_complexity_report
from ._label_complexity_summary import format_label_complexity
from ._protocol import (
    DEFAULT_C,
    DEFAULT_MAX_SEEDS,
    DEFAULT_N_SEEDS,
    DEFAULT_STRATEGY_PARAMS,
    DEFAULT_TEACHER_ACCURACY,
    SYNTHETIC,
    default_datasets,
    fit_teacher,
    load_comparisons,
    run_benchmark,
    score_loop,
    teacher_scale,
)
from ._report import mean_curve
from ._summary import (
    format_summary,
    labels_to_reach,
    paired_difference_curve,
    summarize,
)

__all__ = [
    "DEFAULT_C",
    "DEFAULT_MAX_SEEDS",
    "DEFAULT_N_SEEDS",
    "DEFAULT_STRATEGY_PARAMS",
    "DEFAULT_TEACHER_ACCURACY",
    "DESIGNS",
    "SYNTHETIC",
    "BernoulliOracle",
    "clopper_pearson_upper",
    "default_datasets",
    "default_instances",
    "fit_teacher",
    "format_label_complexity",
    "format_summary",
    "label_complexity_study",
    "labels_to_reach",
    "load_comparisons",
    "make_gap_instance",
    "make_rare_tie_instance",
    "mean_curve",
    "paired_difference_curve",
    "plot_label_complexity",
    "plot_learning_curves",
    "run_benchmark",
    "score_loop",
    "standard_error",
    "summarize",
    "teacher_scale",
    "write_benchmark_report",
    "write_label_complexity_report",
]
