"""The experiments' report module: tables, text, figures written at once, mean curves, counts."""

import csv
import os

import numpy as np
import pytest

from skpref._atomic import NotRegularFileError
from skpref._text import nouns, plural
from skpref.benchmark import mean_curve, standard_error
from skpref.benchmark._report import (
    new_figure,
    require_matplotlib,
    save_figure,
    table_rows,
    write_csv,
    write_text,
)


def _read(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_a_table_of_rows_and_a_table_of_columns_write_the_same_csv(tmp_path):
    rows = [{"name": "a", "value": 0.1 + 0.2, "n": 3}, {"name": "b,c", "value": 1e-300, "n": 4}]
    columns = {"name": np.array(["a", "b,c"]), "value": np.array([0.1 + 0.2, 1e-300]),
               "n": np.array([3, 4])}
    write_csv(tmp_path / "rows.csv", rows)
    write_csv(tmp_path / "columns.csv", columns)
    assert (tmp_path / "rows.csv").read_bytes() == (tmp_path / "columns.csv").read_bytes()
    table = _read(tmp_path / "rows.csv")
    assert table == [["name", "value", "n"], ["a", "0.30000000000000004", "3"],
                     ["b,c", "1e-300", "4"]]  # quoted where needed, every digit kept


def test_table_rows_refuses_ragged_tables():
    with pytest.raises(ValueError, match=r"Row 1 of the table has the keys \['a'\]"):
        table_rows([{"a": 1, "b": 2}, {"a": 1}])
    with pytest.raises(ValueError, match=r"differ in length: \[1, 2\]"):
        table_rows({"a": [1, 2], "b": [1]})
    assert table_rows([]) == ([], [])


def test_an_empty_table_writes_an_empty_file(tmp_path):
    write_csv(tmp_path / "empty.csv", [])
    assert (tmp_path / "empty.csv").read_bytes() == b""


def test_files_are_replaced_whole_and_a_directory_never(tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text("old report\n")
    write_text(path, "new report ±\n")
    assert path.read_text(encoding="utf-8") == "new report ±\n"
    assert sorted(os.listdir(tmp_path)) == ["summary.txt"]  # no temporary file left
    (tmp_path / "table.csv").mkdir()
    with pytest.raises(NotRegularFileError, match="is a directory"):
        write_csv(tmp_path / "table.csv", [{"a": 1}])
    assert (tmp_path / "table.csv").is_dir()


def test_a_link_to_a_report_stays_a_link(tmp_path):
    target = tmp_path / "kept" / "summary.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "summary.txt"
    link.symlink_to(target)
    write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


def test_mean_curve_averages_each_checkpoint_over_the_seeds_that_reached_it():
    rng = np.random.default_rng(0)
    n_labels = np.r_[rng.choice([10, 20, 30, 40], size=40), 50]  # one seed reached 50
    values = rng.uniform(size=41)
    grid, mean, se = mean_curve(n_labels, values)
    assert grid.tolist() == [10, 20, 30, 40, 50] and np.isnan(se[-1]) and mean[-1] == values[-1]
    for n, m, s in zip(grid, mean, se):
        chosen = values[n_labels == n]
        assert m == pytest.approx(chosen.mean(), rel=1e-14)
        assert s == standard_error(chosen) or (np.isnan(s) and chosen.size < 2)


def test_plural_agrees_with_its_count():
    assert [plural(n, "seed") for n in (0, 1, 2)] == ["0 seeds", "1 seed", "2 seeds"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == (
        "3 entries"
    )
    assert nouns(1, "run") == "run" and nouns(24, "run") == "runs"


def test_require_matplotlib_says_what_needs_it_and_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"^The figure needs matplotlib: pip install"):
        require_matplotlib("The figure")


@pytest.mark.parametrize("name, magic", [("fig.png", b"\x89PNG"), ("fig.pdf", b"%PDF"),
                                         ("fig.svg", b"<?xm")])
def test_save_figure_writes_the_format_of_the_extension(tmp_path, name, magic):
    pytest.importorskip("matplotlib")
    figure = new_figure((2, 2), pyplot=False)
    figure.subplots().plot([0, 1], [1, 0])
    assert save_figure(figure, tmp_path / name) == str(tmp_path / name)
    assert (tmp_path / name).read_bytes()[:4] == magic
    assert sorted(os.listdir(tmp_path)) == [name]


def test_save_figure_without_an_extension_adds_matplotlibs_default(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    figure = new_figure((2, 2), pyplot=False)
    suffix = matplotlib.rcParams["savefig.format"]
    assert save_figure(figure, tmp_path / "figure") == str(tmp_path / f"figure.{suffix}")
    assert (tmp_path / f"figure.{suffix}").stat().st_size > 0
