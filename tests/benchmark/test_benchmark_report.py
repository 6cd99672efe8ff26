"""The pool benchmark's output directory (``write_benchmark_report``)."""

import csv
import sys

import pytest

from skpref.benchmark import format_summary, summarize, write_benchmark_report


def _read(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_writes_every_table_the_summary_and_the_figure(small_run, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "new" / "run"
    report = write_benchmark_report(small_run, out)
    assert report.written == [
        "curves.csv", "reference.csv", "summary.csv", "summary.txt", "learning_curves.png",
    ]
    assert sorted(path.name for path in out.iterdir()) == sorted(report.written)
    assert report.figure_error is None
    rows = summarize(small_run.curves)
    assert [(row["strategy"], row["accuracy"]) for row in report.rows] == [
        (row["strategy"], row["accuracy"]) for row in rows
    ]
    table = format_summary(rows, small_run.reference, teachers=small_run.teachers, legend=True)
    assert (out / "summary.txt").read_text(encoding="utf-8") == table == report.table
    curves = _read(out / "curves.csv")
    assert list(curves[0]) == list(small_run.curves)
    assert [float(row["accuracy"]) for row in curves] == small_run.curves["accuracy"].tolist()
    assert [row["strategy"] for row in _read(out / "summary.csv")] == [
        row["strategy"] for row in rows
    ]
    assert len(_read(out / "reference.csv")) == len(small_run.reference["seed"])


def test_report_without_matplotlib_says_why_and_writes_the_rest(small_run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = write_benchmark_report(small_run, tmp_path)
    assert report.written == ["curves.csv", "reference.csv", "summary.csv", "summary.txt"]
    assert "plot_learning_curves needs matplotlib" in report.figure_error
    assert not (tmp_path / "learning_curves.png").exists()
