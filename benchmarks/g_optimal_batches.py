"""How good, and how fast, the G-optimal batch is on the real datasets.

For each dataset, number of random labels ``L`` that fit the model and seed,
the rest of the dataset is the pool, and each contender picks a batch of
``--batch-size`` rows. A batch is judged by SPEC's G-optimal objective, the
largest squared width over the whole pool after labelling each of its rows
once, ``max_i ||x_i||^2_{H_B^{-1}}`` (``posterior.condition(batch).std``),
divided by that of the batch of the ``n`` currently widest rows (below 1:
better than them). Contenders:

* ``g-optimal``: :func:`skpref.query.g_optimal_sampling`, library defaults;
* ``gain-ranked``: the G-optimal design as it was solved before (issue 11's
  third session): support = the 1,000 rows of largest first-order gain,
  started at the batch of largest gain, ``tol = 1e-3``, rounded to the best
  of its rounding and visited vertices (the design selector design sampling
  still uses, on the same objective);
* ``ci-location`` (the speed peer) and ``random`` (one seeded batch).

Times are wall seconds of one call (after one warm-up call of each
contender), reported as a ratio to ``ci_location_sampling``'s time on the
same pool. Needs ``SKPREF_DATA`` (or ``--data-home``)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/g_optimal_batches.py [--seeds 4]
"""

import argparse
import os
import time

import _harness  # noqa: F401  (puts this checkout's skpref first on sys.path)
import numpy as np

from skpref import PairwiseLogisticRegression
from skpref.datasets import load_preference_dataset
from skpref.design import MinimaxObjective
from skpref.query import ci_location_sampling, g_optimal_sampling
from skpref.query._designs import select_design
from skpref.query._pool import score_pool
from skpref.query._select import top_rows

DATASETS = ("hh-helpful", "hh-harmless", "ultrafeedback")


def gain_ranked_g_optimal(model, pool_rows, n):
    """The G-optimal batch as solved before: a support ranked by first-order gain."""
    pool, n = score_pool(model, pool_rows, n)
    widest = top_rows(pool.widths, 1000)
    objective = MinimaxObjective(
        pool.posterior.whiten(pool.rows[widest]), np.ones(widest.size), 200.0
    )
    return select_design(
        pool, objective, n, n_candidates=1000, tol=1e-3, max_iter=100, random_state=0
    )[0]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-home", default=os.environ.get("SKPREF_DATA"))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--labels", type=int, nargs="+", default=[20, 100, 300])
    args = parser.parse_args(argv)
    n = args.batch_size
    contenders = {
        "g-optimal": lambda m, P: g_optimal_sampling(m, P, n, random_state=0)[0],
        "gain-ranked": lambda m, P: gain_ranked_g_optimal(m, P, n),
        "ci-location": lambda m, P: ci_location_sampling(m, P, n, random_state=0)[0],
    }
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"batch of {n}; objective / that of the {n} widest rows (mean over seeds "
          f"0..{args.seeds - 1}); time / ci_location_sampling's (mean)")
    header = ["dataset", "L"] + [f"{name}" for name in (*contenders, "random")]
    header += [f"time {name}" for name in ("g-optimal", "gain-ranked")]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    totals = {}
    for name in DATASETS:
        X, y = load_preference_dataset(
            name, data_home=args.data_home, return_X_y=True, random_state=0
        )
        for n_labels in args.labels:
            cells = {}
            for seed in range(args.seeds):
                perm = np.random.default_rng(seed).permutation(len(X))
                labeled, rest = perm[:n_labels], perm[n_labels:]
                model = PairwiseLogisticRegression().fit(X[labeled], y[labeled])
                P, posterior = X[rest], model.posterior_

                def objective(batch):
                    return float((posterior.condition(P[batch]).std(P) ** 2).max())

                reference = objective(np.argsort(-posterior.std(P))[:n])
                seconds = {}
                for contender, fn in contenders.items():
                    fn(model, P)  # warm-up
                    seconds[contender], batch = timed(lambda: fn(model, P))
                    cells.setdefault(contender, []).append(objective(batch) / reference)
                draw = np.random.default_rng(seed).choice(len(P), n, replace=False)
                cells.setdefault("random", []).append(objective(draw) / reference)
                for contender in ("g-optimal", "gain-ranked"):
                    cells.setdefault(f"time {contender}", []).append(
                        seconds[contender] / seconds["ci-location"]
                    )
            row = [name, str(n_labels)] + [
                f"{np.mean(cells[column]):.3f}" for column in header[2:]
            ]
            print("| " + " | ".join(row) + " |", flush=True)
            for column in header[2:]:
                totals.setdefault(column, []).extend(cells[column])
    print("| all | | " + " | ".join(f"{np.mean(totals[c]):.3f}" for c in header[2:]) + " |")
    print("worst g-optimal / widest:", f"{max(totals['g-optimal']):.4f};",
          "worst gain-ranked / widest:", f"{max(totals['gain-ranked']):.4f};",
          "largest g-optimal time ratio:", f"{max(totals['time g-optimal']):.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
