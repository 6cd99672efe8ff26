"""Real preference datasets, read from a data directory at run time.

The files are never downloaded and never shipped with skpref: each dataset is
an ``.npz`` of embeddings with a ``.json`` sidecar holding its provenance,
read from ``data_home`` or the ``SKPREF_DATA`` environment variable.
"""

import json
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..pairs import make_pairs

#: Public name -> file stem of the ``.npz``/``.json`` pair in the data directory.
DATASETS = {
    "hh-helpful": "hh_helpful_base_test",
    "hh-harmless": "hh_harmless_base_test",
    "ultrafeedback": "ultrafeedback_binarized_subset",
}

_ENVIRONMENT_VARIABLE = "SKPREF_DATA"


def data_directory(data_home=None):
    """The directory datasets are read from: ``data_home``, else ``$SKPREF_DATA``.

    An empty ``SKPREF_DATA`` counts as unset (``SKPREF_DATA= skpref
    benchmark`` runs without real data), as an empty ``PATH`` entry does in
    the shell; an empty ``data_home`` string is an error, since it names no
    directory. The directory need not exist: :func:`check_datasets_present`
    says what is missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory; None reads ``SKPREF_DATA``.

    Returns
    -------
    directory : pathlib.Path or None
        With ``~`` expanded; None when neither is set.

    Examples
    --------
    >>> from skpref.datasets import data_directory
    >>> data_directory("~/preference-data").name
    'preference-data'
    """
    if data_home is None:
        data_home = os.environ.get(_ENVIRONMENT_VARIABLE) or None
    elif not str(data_home):
        raise ValueError("data_home is an empty string; pass a directory or None.")
    return None if data_home is None else Path(data_home).expanduser()


def _source(data_home):
    return "data_home" if data_home is not None else f"${_ENVIRONMENT_VARIABLE}"


def check_datasets_present(names, data_home=None):
    """Refuse, before any work, a data directory that lacks a requested dataset.

    A directory that is given (``data_home`` or ``$SKPREF_DATA``) but lacks
    a dataset is a mistake to report, never a reason to fall back to other
    data: the error names every missing file of every requested dataset.

    Parameters
    ----------
    names : iterable of str
        Dataset names from :data:`DATASETS`.
    data_home : str or path-like, default=None
        As in :func:`load_preference_dataset`.

    Raises
    ------
    FileNotFoundError
        If no data directory is set, or files are missing (all named).

    Examples
    --------
    >>> from skpref.datasets import check_datasets_present
    >>> try:
    ...     check_datasets_present(["hh-helpful"], data_home="/nonexistent")
    ... except FileNotFoundError as error:
    ...     print(str(error).split(":")[0])
    The data directory /nonexistent (data_home) does not exist
    """
    names = list(names)
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        raise ValueError(f"Unknown dataset(s) {unknown}; choose from {', '.join(DATASETS)}.")
    directory = data_directory(data_home)
    if directory is None:
        raise FileNotFoundError(
            f"No data directory for dataset(s) {', '.join(names)}: pass data_home=... "
            f"(--data-home) or set the {_ENVIRONMENT_VARIABLE} environment variable. "
            "skpref never downloads data."
        )
    missing = {
        name: [
            str(path)
            for path in (directory / f"{DATASETS[name]}.npz", directory / f"{DATASETS[name]}.json")
            if not path.is_file()
        ]
        for name in names
    }
    lacking = [name for name in names if missing[name]]
    if not lacking:
        return
    missing = [path for name in lacking for path in missing[name]]
    state = "does not exist" if not directory.is_dir() else "lacks " + ", ".join(lacking)
    raise FileNotFoundError(
        f"The data directory {directory} ({_source(data_home)}) {state}: missing "
        f"{', '.join(missing)}. Pass the directory that holds them, or choose datasets "
        "with --datasets / datasets=[...]."
    )


def available_datasets(data_home=None):
    """Names of the datasets whose two files are present in the data directory.

    Parameters
    ----------
    data_home : str or path-like, default=None
        As in :func:`load_preference_dataset`.

    Returns
    -------
    names : list of str
        In the order of :data:`DATASETS`; empty when no data directory is
        set or it holds none of them.

    Examples
    --------
    >>> from skpref.datasets import available_datasets
    >>> available_datasets("/nonexistent")
    []
    """
    directory = data_directory(data_home)
    if directory is None:
        return []
    return [
        name
        for name, stem in DATASETS.items()
        if (directory / f"{stem}.npz").is_file() and (directory / f"{stem}.json").is_file()
    ]


def load_preference_dataset(name, *, data_home=None, return_X_y=False, random_state=None):
    """Load a real preference dataset of embedded comparisons.

    Three datasets of (prompt + response) pairs, each response embedded with
    all-MiniLM-L6-v2 (384 features, L2-normalised, stored as float16):

    * ``"hh-helpful"``: Anthropic hh-rlhf helpful-base test split, 2343 pairs,
      crowdworker labels;
    * ``"hh-harmless"``: hh-rlhf harmless-base test split, 2307 pairs,
      crowdworker labels;
    * ``"ultrafeedback"``: an UltraFeedback-binarized subset, 2178 pairs,
      GPT-4 labels.

    The comparison rows are ``x = phi(first) - phi(second)`` in a seeded
    random orientation (:func:`skpref.pairs.make_pairs`), so both labels
    occur: ``y = 1`` where the first item of the row is the chosen one.

    Parameters
    ----------
    name : {"hh-helpful", "hh-harmless", "ultrafeedback"}
        The dataset.
    data_home : str or path-like, default=None
        Directory holding ``<stem>.npz`` and ``<stem>.json``. None reads the
        ``SKPREF_DATA`` environment variable. Nothing is ever downloaded.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    random_state : int, RandomState instance or None, default=None
        Seeds the orientation of the pairs.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (comparison rows, float64, shape (n_pairs, 384)), ``target``
        (labels), ``X_chosen`` and ``X_rejected`` (item embeddings as stored,
        float16), ``feature_names``, ``provenance`` (the sidecar as a dict),
        ``DESCR`` (text built from the sidecar) and ``name``.
    (X, y) : tuple
        If ``return_X_y``.

    Raises
    ------
    FileNotFoundError
        If no data directory is given or a file is missing; the message names
        every path looked for.
    ValueError
        For an unknown name, or files that do not match their sidecar.

    Examples
    --------
    >>> from skpref.datasets import load_preference_dataset
    >>> try:
    ...     data = load_preference_dataset("hh-helpful", random_state=0)
    ... except FileNotFoundError as error:  # no data directory: it says where it looked
    ...     print("SKPREF_DATA" in str(error) or "hh_helpful_base_test.npz" in str(error))
    ... else:
    ...     print(data.data.shape == (2343, 384) and set(data.target.tolist()) == {0, 1})
    True
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose from {', '.join(DATASETS)}.")
    stem = DATASETS[name]
    directory = data_directory(data_home)
    if directory is None:
        raise FileNotFoundError(
            f"No data directory for dataset {name!r}: pass data_home=... or set "
            f"the {_ENVIRONMENT_VARIABLE} environment variable to the directory "
            f"holding {stem}.npz and {stem}.json. skpref never downloads data."
        )
    paths = [directory / f"{stem}.npz", directory / f"{stem}.json"]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"Dataset {name!r} not found: looked for {' and '.join(map(str, paths))}; "
            f"missing: {', '.join(missing)}."
        )
    provenance = json.loads(paths[1].read_text())
    with np.load(paths[0]) as arrays:
        X_chosen, X_rejected = arrays["X_chosen"], arrays["X_rejected"]
    _check_against_sidecar(name, X_chosen, X_rejected, provenance)
    X, y = make_pairs(
        X_chosen.astype(np.float64), X_rejected.astype(np.float64), random_state=random_state
    )
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        X_chosen=X_chosen,
        X_rejected=X_rejected,
        feature_names=np.array([f"e{j}" for j in range(X.shape[1])], dtype=object),
        provenance=provenance,
        DESCR=_describe(name, provenance),
        name=name,
    )


def _check_against_sidecar(name, X_chosen, X_rejected, provenance):
    """Refuse files whose shapes disagree with their provenance record."""
    for key, array in (("X_chosen", X_chosen), ("X_rejected", X_rejected)):
        expected = provenance.get("arrays", {}).get(key, {}).get("shape")
        if expected is not None and list(array.shape) != list(expected):
            raise ValueError(
                f"Dataset {name!r}: {key} has shape {array.shape} but its sidecar "
                f"says {tuple(expected)}; the .npz and .json do not belong together."
            )
    if not (np.isfinite(X_chosen).all() and np.isfinite(X_rejected).all()):
        raise ValueError(f"Dataset {name!r} holds non-finite embeddings.")


def _describe(name, provenance):
    """A DESCR text from the sidecar: what, where from, how embedded, licence."""
    lines = [
        f"{name}: {provenance.get('description', '')}",
        "",
        f"Pairs: {provenance.get('n_pairs')}. Label: {provenance.get('label', '')}.",
    ]
    embedding = provenance.get("embedding", {})
    if embedding:
        lines.append(
            f"Embedding: {embedding.get('model')} ({embedding.get('dim')} dims, "
            f"{embedding.get('pooling')}, max {embedding.get('max_seq_len')} tokens)."
        )
    text_format = provenance.get("text_format", {})
    if text_format.get("template"):
        lines.append(f"Embedded text: {text_format['template']}")
    lines += ["", "Sources:"]
    for source in provenance.get("sources", []):
        lines.append(
            f"- {source.get('repo')}@{source.get('commit')}: {source.get('path')} "
            f"(sha256 {source.get('sha256')}); licence: {source.get('license')}"
        )
        if source.get("note"):
            lines.append(f"  {source['note']}")
    return "\n".join(lines)
