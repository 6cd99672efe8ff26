"""Seeded tie-breaking, shared by every selection in skpref."""

from sklearn.utils import check_random_state


def tie_break_keys(n_rows, random_state):
    """Seeded random keys, one per row: among equal utilities the larger key wins.

    Parameters
    ----------
    n_rows : int
    random_state : int, RandomState instance or None

    Returns
    -------
    ndarray of shape (n_rows,)
    """
    return check_random_state(random_state).random_sample(n_rows)
