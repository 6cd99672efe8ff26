"""The ``skpref`` command as a whole: ``--version``, ``python -m skpref``, and every option.

argparse parses each numeric option's text into a number; its range is checked once, by the
function that owns the parameter, before any file is read (exit status 2, no traceback, the
message names the option). The table below gives each option its bad values: negative,
zero, huge, NaN, infinite, not an integer, not a number, empty.
"""

import os
import subprocess
import sys

import pytest

import skpref
from skpref.cli import build_parser, main

#: Child processes use one BLAS thread, like the suite.
_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

#: The options each command needs before its numeric options are looked at.
REQUIRED = {
    "select": ["--pool", "pool.npz", "--labels", "labels.csv", "--batch-size", "3",
               "--out", "next.csv"],
    "status": ["--pool", "pool.npz", "--labels", "labels.csv"],
    "benchmark": [],
    "label-complexity": [],
}


def run(capsys, argv):
    """``main(argv)``'s exit status, stdout and stderr; a traceback fails the test."""
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse: usage errors, --help, --version
        code = exit.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_version(capsys):
    assert run(capsys, ["--version"]) == (0, f"skpref {skpref.__version__}\n", "")


def test_python_dash_m_skpref():
    # Issue 16: "No module named skpref.__main__".
    result = subprocess.run([sys.executable, "-m", "skpref", "--version"], capture_output=True,
                            text=True, env=_ENV, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"skpref {skpref.__version__}\n", ""
    )


@pytest.mark.parametrize("command", list(REQUIRED))
@pytest.mark.parametrize("value, message", [
    ("-1", "must be an integer in [0, 4294967295], got -1"),           # issue 16: a traceback
    ("4294967296", "must be an integer in [0, 4294967295], got 4294967296"),
    ("1.5", "must be an integer, got '1.5'"),
    ("nan", "must be an integer, got 'nan'"),
    ("", "must be an integer, got ''"),
])
def test_every_seed_is_range_checked(capsys, command, value, message):
    code, out, err = run(capsys, [command, *REQUIRED[command], "--seed", value])
    assert (code, out) == (2, "")
    assert err.endswith(f"skpref {command}: error: argument --seed: {message}\n")


@pytest.mark.parametrize("command", list(REQUIRED))
def test_the_seed_range_is_inclusive(command):
    for seed in ("0", "4294967295"):
        args = build_parser().parse_args([command, *REQUIRED[command], "--seed", seed])
        assert args.seed == int(seed)


def test_folds_below_two_is_one_rule(capsys):
    # Issue 16: --folds 1 exited 1 (after reading the files), --folds 0 exited 2.
    for value in ("0", "1", "-3"):
        code, _, err = run(capsys, ["status", *REQUIRED["status"], "--folds", value])
        assert code == 2
        assert f"argument --folds: must be an integer in [2, 2147483647], got {value}" in err


#: (command, option, bad value): every numeric option, every kind of bad value.
BAD_OPTIONS = [
    *[("select", "--batch-size", v) for v in ["0", "-1", "1.5", "1e3", "2147483648", "x", ""]],
    *[(c, "--C", v) for c in ("select", "status", "benchmark")
      for v in ["0", "-1", "nan", "inf", "-inf", "1e101", "1e-101", "1e-320", "x"]],
    *[(c, "--beta", v) for c in ("select", "status") for v in ["-1", "nan", "inf", "101", "x"]],
    *[("status", "--folds", v) for v in ["2147483648", "2.0", "nan"]],
    *[("status", "--batch-size", v) for v in ["0", "-5", "1e9", "inf"]],
    *[("benchmark", option, v)
      for option in ("--budget", "--batch-size", "--n-initial", "--seeds")
      for v in ["0", "-1", "2.5", "x"]],
    *[(c, "--n-jobs", v) for c in ("benchmark", "label-complexity")
      for v in ["0", "-2", "1025", "1.5", "x"]],
    *[("label-complexity", "--runs", v) for v in ["0", "-1", "1.5", "2147483648"]],
    *[("label-complexity", "--deltas", v) for v in ["0", "1", "-0.1", "1.5", "nan", "inf"]],
    *[("label-complexity", "--budget-factor", v) for v in ["0", "-1", "1000", "nan", "inf"]],
    *[("label-complexity", "--burn-in", v) for v in ["-1", "1000001", "0.5", "x"]],
]


@pytest.mark.parametrize("command, option, value", BAD_OPTIONS)
def test_every_numeric_option_rejects_bad_values(
    capsys, tmp_path, monkeypatch, command, option, value
):
    argv = [command, *REQUIRED[command], f"{option}={value}"]  # "-inf" alone: an option
    monkeypatch.chdir(tmp_path)  # nothing may be written, not even by a command that would run
    code, out, err = run(capsys, argv)
    assert (code, out) == (2, "")
    assert f"skpref {command}: error: argument {option}: must be " in err
    assert os.listdir(tmp_path) == []


#: The options the other commands need before their numeric options are looked at.
MORE_REQUIRED = {
    "fit": ["--pool", "pool.npz", "--labels", "labels.csv", "--out", "model.joblib"],
    "score": ["--model", "model.joblib", "--pool", "pool.npz", "--out", "scores.csv"],
    "annotate": ["--pool", "pool.npz", "--db", "campaign.sqlite"],
    "embed": ["--input", "pairs.jsonl", "--out", "pool.npz"],
}

#: The other commands' numeric options: Server, embed_file, fit_reward_model and score_pairs
#: check them, before the store, the pool or the model file is made.
MORE_BAD_OPTIONS = [
    *[(c, "--seed", v) for c in ("fit", "annotate", "embed") for v in ["-1", "4294967296", "1.5"]],
    *[("fit", "--folds", v) for v in ["1", "0", "2.5"]],
    *[(c, "--C", v) for c in ("fit", "annotate") for v in ["0", "nan", "1e101", "1e-320"]],
    *[(c, "--beta", v) for c in ("score", "annotate") for v in ["-1", "nan", "101", "x"]],
    *[("annotate", option, v) for option in ("--batch-size", "--refit-every")
      for v in ["0", "-1", "1.5", "2147483648"]],
    *[("annotate", "--lease-minutes", v) for v in ["0", "-5", "10080", "inf", "nan", "x"]],
    *[("annotate", "--port", v) for v in ["-1", "65536", "x"]],
    *[("annotate", "--burn-in-share", v) for v in ["-0.5", "1.5", "nan", "x"]],
    *[("embed", option, v) for option in ("--batch-size", "--chunk-size")
      for v in ["0", "-1", "1.5", "2147483648"]],
]


@pytest.mark.parametrize("command, option, value", MORE_BAD_OPTIONS)
def test_the_other_commands_options_are_checked_before_anything_is_made(
    capsys, tmp_path, monkeypatch, command, option, value
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, [command, *MORE_REQUIRED[command], f"{option}={value}"])
    assert (code, out) == (2, "")
    assert f"skpref {command}: error: argument {option}: must be " in err
    assert os.listdir(tmp_path) == []


def test_an_option_in_other_units_is_reported_in_its_own(capsys, tmp_path, monkeypatch):
    # The Server takes lease_seconds; the message speaks of --lease-minutes, in minutes.
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, ["annotate", *MORE_REQUIRED["annotate"], "--lease-minutes", "1e5"])
    assert code == 2 and err == (
        "skpref annotate: error: argument --lease-minutes: must be a number in (0, 10080), "
        "got 100000\n"
    )


def test_seeds_past_the_last_seed_are_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, ["benchmark", "--seed", "4294967295", "--seeds", "2",
                                "--out", str(tmp_path / "out")])
    assert code == 2 and err == (
        "skpref benchmark: error: --seed 4294967295 with --seeds 2 runs seeds up to "
        "4294967296, above 4294967295; lower one of them.\n"
    )
    assert os.listdir(tmp_path) == []


def test_main_gives_back_the_signal_handlers(capsys):
    # In-process callers (these tests, a notebook) keep their own handlers after main().
    import signal

    before = {name: signal.getsignal(getattr(signal, name)) for name in ("SIGINT", "SIGTERM")}
    run(capsys, ["--version"])
    run(capsys, ["status", "--pool", "missing.npz", "--labels", "missing.csv"])
    assert {name: signal.getsignal(getattr(signal, name)) for name in before} == before
