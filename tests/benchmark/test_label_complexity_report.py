"""The label-complexity study's summary, figure and output directory."""

import csv
import sys

import numpy as np
import pytest

from skpref.benchmark import (
    clopper_pearson_upper,
    format_label_complexity,
    label_complexity_study,
    make_gap_instance,
    plot_label_complexity,
    write_label_complexity_report,
)


def test_summary_has_every_cell_and_the_comparisons(study_rows):
    text = format_label_complexity(study_rows)
    for needle in ["ratio", "cv", "g-optimal/gap", "uniform/gap", "error rate vs delta"]:
        assert needle in text
    lines = text.splitlines()
    assert lines[0].split() == [
        "instance", "rho*", "design", "delta", "err", "ucb95", "p", "cap", "labels", "se", "ratio",
    ]
    assert sum(line.startswith(("easy ", "rare ")) for line in lines) == len(study_rows)
    # the pooled bound is the Clopper-Pearson bound of the pooled counts: 0 of 24 runs here
    pooled = [
        line for line in lines if line.startswith("  gap        delta=0.1 ") and "runs," in line
    ]
    assert pooled == [
        f"  gap        delta=0.1       0 /    24 runs, rate 0.0000, ucb95 "
        f"{clopper_pearson_upper(0, 24):.4f}"
    ]


def test_summary_of_no_rows_is_a_clear_error():
    with pytest.raises(ValueError, match="No rows to summarize"):
        format_label_complexity([])


def test_figure_is_log_log_with_a_marker_per_design(study_rows):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = plot_label_complexity(study_rows)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"gap", "g-optimal", "uniform"}
    gap = np.array([row["ratio"] for row in study_rows if row["design"] == "gap"])
    constant = np.exp(np.log(gap).mean())
    assert f"{constant:.1f} x rho* log(1/delta)" in {
        t.get_text() for t in ax.get_legend().get_texts()
    }


def test_report_writes_the_table_the_summary_and_the_figure(study_rows, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "new" / "dir"
    report = write_label_complexity_report(study_rows, out)
    assert report.written == ["label_complexity.csv", "summary.txt", "label_complexity.png"]
    assert report.figure_error is None
    with open(out / "label_complexity.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(study_rows) and list(table[0]) == list(study_rows[0])
    for written, row in zip(table, study_rows):
        assert float(written["labels_mean"]) == row["labels_mean"]  # every digit kept
        assert written["instance"] == row["instance"] and int(written["runs"]) == row["runs"]
    assert (out / "summary.txt").read_text() == format_label_complexity(study_rows) + "\n"
    assert (out / "label_complexity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(path.name for path in out.iterdir()) == sorted(report.written)


def test_report_says_why_there_is_no_figure(study_rows, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    report = write_label_complexity_report(study_rows, tmp_path, summary="given")
    assert report.written == ["label_complexity.csv", "summary.txt"]
    assert "needs matplotlib: pip install 'skpref[benchmark]'" in report.figure_error
    assert (tmp_path / "summary.txt").read_text() == "given\n"
    assert not (tmp_path / "label_complexity.png").exists()


def test_one_run_and_one_error_are_counted_in_the_singular():
    # It printed "0 errors in 1 runs" and "0 /     1 runs,".
    instances = [("tiny", *make_gap_instance(2, 5, min_gap=0.5, random_state=0))]
    rows = label_complexity_study(instances, deltas=[0.1], designs=["gap"], n_runs=1, n_jobs=1)
    text = format_label_complexity(rows)
    assert "  gap        delta=0.1       0 /     1 run, rate 0.0000" in text
    assert "error rate vs delta: 0 errors in 1 run;" in text
    rows[0] = {**rows[0], "errors": 1, "error_rate": 1.0}
    assert "error rate vs delta: 1 error in 1 run;" in format_label_complexity(rows)
