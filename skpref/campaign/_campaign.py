"""``load_campaign``: a campaign's pool and labels as Python objects."""

from ._labels import read_labels
from ._pool import read_pool


class Campaign:
    """A pool and the labels collected on it, checked against each other.

    Attributes
    ----------
    pool : Pool
        ``ids``, the comparison rows ``X`` (``phi(first) - phi(second)``),
        ``items`` (``(X_first, X_second)`` when the file holds them),
        ``texts`` (:class:`PoolTexts` or None) and ``provenance`` (dict or
        None).
    labels : Labels
        The answers, in file order: ``pair_ids``, ``rows`` (into the pool),
        ``answers`` (``first``/``second``/``tie``), ``y`` (soft labels 1, 0,
        1/2), and the skipped pairs (``skipped_ids``, ``skipped_rows``).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skpref.campaign import load_campaign
    >>> directory = tempfile.mkdtemp()
    >>> np.savez(os.path.join(directory, "pool.npz"), ids=np.array(["p1", "p2", "p3"]),
    ...          X=np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    >>> with open(os.path.join(directory, "labels.csv"), "w") as f:
    ...     _ = f.write("pair_id,label\\np1,first\\np2,tie\\np3,skip\\n")
    >>> campaign = load_campaign(os.path.join(directory, "pool.npz"),
    ...                          os.path.join(directory, "labels.csv"))
    >>> campaign.ids.tolist(), campaign.labels.answers.tolist(), campaign.labels.skipped_ids
    (['p1', 'p2', 'p3'], ['first', 'tie'], ['p3'])
    >>> X, y, weight = campaign.training_set()
    >>> y.tolist(), weight.tolist()
    ([1, 1, 0], [1.0, 0.5, 0.5])
    >>> campaign.unlabeled_ids().tolist()
    []
    """

    def __init__(self, pool, labels):
        self.pool = pool
        self.labels = labels

    @property
    def ids(self):
        """The pool's pair ids."""
        return self.pool.ids

    @property
    def X(self):
        """The pool's comparison rows, shape ``(n_pairs, n_features)``."""
        return self.pool.X

    @property
    def texts(self):
        """``{"prompt": [...], "first": [...], "second": [...]}`` of every pair, or None."""
        if self.pool.texts is None:
            return None
        return {name: self.pool.texts.column(name) for name in self.pool.texts.columns}

    @property
    def provenance(self):
        """How the pool was made (``skpref embed``), or None."""
        return self.pool.provenance

    def training_set(self):
        """``(X, y, sample_weight)`` the model is fitted on (see ``Labels.training_set``)."""
        return self.labels.training_set(self.pool.X)

    def unlabeled_ids(self):
        """Ids of the pairs not answered yet (skipped pairs count as answered)."""
        import numpy as np

        unlabeled = np.ones(self.pool.n_pairs, dtype=bool)
        unlabeled[self.labels.answered_rows] = False
        return self.pool.ids[unlabeled]


def load_campaign(pool, labels, id_column="pair_id"):
    """Read a pool file and a labels file and check the labels against the pool.

    Parameters
    ----------
    pool : str
        A pool file (``.npz``, ``.csv`` or ``.parquet``; see ``skpref select
        --help``), such as the one ``skpref embed`` writes.
    labels : str
        The labels CSV (``pair_id,label``; ``first``, ``second``, ``tie``,
        ``skip``). It is only read.
    id_column : str, default="pair_id"
        The id column of CSV and Parquet pools.

    Returns
    -------
    campaign : Campaign

    Raises
    ------
    CampaignError
        Any problem with either file; the message names the lines or rows.
    """
    found = read_pool(pool, id_column)
    return Campaign(found, read_labels(labels, found))
