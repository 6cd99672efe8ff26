"""Sign identification by phased elimination (Algorithm 1).

K arms ``x_i``; a query of arm i returns a Bernoulli(``sigma(x_i^T theta*)``)
label. The goal is the sign of every ``x_i^T theta*`` with probability at
least ``1 - delta``, from as few labels as possible. After a burn-in, phase
``l = 1, 2, ...`` works at resolution ``eps_l = 2^-l`` with the confidence
radius ``beta_l^2 = 2 log(4 l^2 K / delta)`` on the set ``S_l`` of arms not
yet decided: it spreads ``n_l`` labels by a design, fits ``theta_hat`` on this
phase's labels only, and decides every arm whose interval excludes zero.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import special
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._blas import matvec
from .._logistic import logistic_variance
from .._model import PairwiseLogisticRegression
from .._random import tie_break_keys
from ..posterior import interval_contains_zero
from ._oracle import minimax_design, normalized_widths, single_threaded_blas, span_coordinates

#: Logits at which the design's Fisher weights are evaluated are clipped here:
#: mu'(30) ~ 1e-13 keeps the design's information matrix numerically
#: positive definite when an early estimate is wild (a design is any fixed
#: choice given the past, so this never affects correctness).
_DESIGN_LOGIT_CLIP = 30.0


def sign_decided(means, widths, beta):
    """Algorithm 1's decision rule: an arm is decided once its interval excludes zero.

    ``|x^T theta_hat| > beta_l ||x||_{H^{-1}}``, with ``H`` the Hessian of the
    phase's fit; the decided sign is that of ``x^T theta_hat``.

    Parameters
    ----------
    means, widths : ndarray of shape (n_arms,)
        ``x^T theta_hat`` and ``||x||_{H^{-1}}``.
    beta : float
        The phase's confidence radius ``beta_l``.

    Returns
    -------
    ndarray of bool, shape (n_arms,)

    Examples
    --------
    >>> import numpy as np
    >>> sign_decided(np.array([1.0, -0.1]), np.array([0.2, 0.2]), beta=2.0)
    array([ True, False])
    """
    return ~interval_contains_zero(means, widths, beta)


class Phase:
    """One phase of :class:`PhasedElimination` (the burn-in is phase 0).

    Attributes
    ----------
    index : int
        ``l`` (0 for the burn-in).
    eps : float
        Resolution ``eps_l = 2^-l`` (``nan`` for the burn-in).
    beta : float
        Confidence radius ``beta_l`` (``nan`` for the burn-in: it decides nothing).
    design_value : float
        ``f(lambda_l)`` of the design that allocated the phase's labels.
    n_labels : int
        Labels taken in the phase.
    labels_per_arm : ndarray of shape (K,)
    n_active : int
        Arms undecided when the phase started.
    decided : ndarray of int
        Arms decided at the end of the phase.
    theta : ndarray of shape (d,)
        ``theta_hat`` fitted on the phase's labels (in the arms' span).

    Notes
    -----
    Made by :meth:`PhasedElimination.run`, not by users.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.design import PhasedElimination
    >>> X, theta = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -2.0])
    >>> rng = np.random.default_rng(0)
    >>> oracle = lambda i, n: rng.random(n) < 1 / (1 + np.exp(-X[i] @ theta))
    >>> first = PhasedElimination().run(X, oracle, random_state=0).phases[1]
    >>> first.index, first.eps, bool(first.n_labels == first.labels_per_arm.sum())
    (1, 0.5, True)
    """

    def __init__(self, index, eps, beta, design_value, labels_per_arm, n_active, decided, theta):
        self.index = index
        self.eps = eps
        self.beta = beta
        self.design_value = design_value
        self.labels_per_arm = labels_per_arm
        self.n_labels = int(labels_per_arm.sum())
        self.n_active = n_active
        self.decided = decided
        self.theta = theta

    def __repr__(self):
        return (
            f"Phase(l={self.index}, eps={self.eps:.4g}, beta={self.beta:.3f}, "
            f"n_labels={self.n_labels}, n_active={self.n_active}, "
            f"n_decided={self.decided.size})"
        )


class EliminationResult:
    """Outcome of :meth:`PhasedElimination.run`.

    Attributes
    ----------
    signs : ndarray of shape (K,)
        The sign decided for every arm, ``+1`` or ``-1``; ``0`` for an arm
        left undecided when a safety cap stopped the run.
    n_labels : int
        Labels used in all, burn-in included.
    labels_per_arm : ndarray of shape (K,)
    labels_per_phase : ndarray of shape (n_phases + 1,)
        Burn-in first.
    decision_phase : ndarray of shape (K,)
        The phase that decided each arm (``-1``: undecided).
    phases : list of Phase
        The phase log, burn-in first.
    converged : bool
        Whether every arm was decided (False only when a cap stopped the run).

    Notes
    -----
    Made by :meth:`PhasedElimination.run`, not by users.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.design import PhasedElimination
    >>> X, theta = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -2.0])
    >>> rng = np.random.default_rng(0)
    >>> oracle = lambda i, n: rng.random(n) < 1 / (1 + np.exp(-X[i] @ theta))
    >>> result = PhasedElimination().run(X, oracle, random_state=0)
    >>> result.signs, result.converged
    (array([ 1, -1]), True)
    >>> bool(result.labels_per_phase.sum() == result.n_labels)
    True
    """

    def __init__(self, signs, labels_per_arm, decision_phase, phases, converged):
        self.signs = signs
        self.labels_per_arm = labels_per_arm
        self.n_labels = int(labels_per_arm.sum())
        self.labels_per_phase = np.array([phase.n_labels for phase in phases], dtype=np.int64)
        self.decision_phase = decision_phase
        self.phases = phases
        self.converged = converged

    def __repr__(self):
        return (
            f"EliminationResult(n_arms={self.signs.size}, n_labels={self.n_labels}, "
            f"n_phases={len(self.phases) - 1}, converged={self.converged})"
        )


def round_to_counts(weights, n, random_state=None):
    """Integer label counts summing to ``n``, proportional to a design.

    Largest remainders: ``floor(n lambda_i)`` each, the leftover labels to the
    largest fractional parts (ties broken by seeded keys). Every count is
    within 1 of ``n lambda_i``.
    """
    target = n * np.asarray(weights, dtype=np.float64)
    counts = np.floor(target).astype(np.int64)
    left = int(n - counts.sum())
    if left > 0:
        remainder = target - counts
        keys = tie_break_keys(remainder.size, random_state)
        counts[np.lexsort((-keys, -remainder))[:left]] += 1
    return counts


class PhasedElimination(BaseEstimator):
    """Sign identification by phased elimination (Algorithm 1).

    Given K arms and an oracle that returns Bernoulli(``sigma(x_i^T theta*)``)
    labels, find the sign of every ``x_i^T theta*`` with probability at least
    ``1 - delta``. A burn-in of ``burn_in * r`` labels (``r`` the dimension of
    the arms' span) from the G-optimal design at ``theta = 0`` gives a first
    estimate; then phase ``l = 1, 2, ...`` has resolution ``eps_l = 2^-l``,
    radius ``beta_l^2 = 2 log(4 l^2 K / delta)``, undecided arms ``S_l``, and

    1. a design ``lambda_l`` with value ``f(lambda_l)``; for ``design="gap"``

       .. math::

           \\lambda_l = \\arg\\min_{\\lambda \\in \\Delta_K} f(\\lambda) = \\max_{i \\in S_l}
               \\frac{\\|x_i\\|^2_{H_\\lambda(\\hat\\theta)^{-1}}}
                    {\\max(|x_i^T \\hat\\theta|, \\epsilon_l)^2},
           \\qquad H_\\lambda(\\theta) = \\sum_j \\lambda_j \\mu'(x_j^T \\theta) x_j x_j^T;

    2. ``n_l = ceil(budget_factor * beta_l^2 * f(lambda_l))`` labels, the
       counts ``n_l lambda_l`` rounded by largest remainders;
    3. ``theta_hat`` fitted on this phase's labels only, with the Hessian
       ``H`` at the fit;
    4. every arm of ``S_l`` with ``|x_i^T theta_hat| > beta_l ||x_i||_{H^{-1}}``
       is decided (sign of ``x_i^T theta_hat``) and leaves ``S``; stop when
       ``S`` is empty.

    The comparisons keep 3 and 4 and change only the allocation:
    ``"g-optimal"`` takes the G-optimal design over all arms at
    ``theta_hat``, ``f_G = min_lambda max_i ||x_i||^2_{H_lambda(theta_hat)^{-1}}``,
    and ``n_l = ceil(budget_factor * beta_l^2 * f_G / eps_l^2)``;
    ``"uniform"`` takes ``lambda = 1/K`` and the same budget with its own
    value ``f_U = max_i ||x_i||^2_{H_{1/K}(theta_hat)^{-1}}`` in place of
    ``f_G``. (The method's outline says uniform "spreads the same kind of budget"; we read it
    as: the labels that make every arm's width at most ``eps_l / 2`` under
    the uniform design, as ``f_G`` does under the G-optimal one.)

    With ``budget_factor = 4``, ``n_l`` labels by ``lambda_l`` make the
    width of every arm of ``S_l`` at most half its (estimated, floored)
    distance to zero, to first order: ``beta_l w_i <= max(|m_i|, eps_l) / 2``.
    Correctness does not rest on the design or on ``n_l`` (both are fixed
    before the phase's labels are drawn): it rests on the phase's confidence
    intervals, and the union bound ``sum_l sum_i delta / (2 l^2 K) < delta``.
    Those intervals are the Wald intervals of the logistic fit, asymptotic
    rather than exact; the label-complexity study checks the error rate
    against ``delta`` empirically.

    Two options tighten ``beta_l`` (the label count scales with
    ``beta_l^2``) and keep that argument; the defaults are the method's own.
    ``union_over="undecided"`` splits phase l's share ``delta / (2 l^2)``
    over the ``|S_l|`` undecided arms instead of all K (``S_l`` is known
    before the phase's labels are drawn, so the union bound still sums to
    ``delta pi^2 / 12 < delta``): ``beta_l^2 = 2 log(4 l^2 |S_l| / delta)``.
    ``tail="gaussian"`` uses the normal quantile instead of the sub-Gaussian
    tail bound ``2 exp(-beta^2 / 2)``, ``beta_l = Phi^{-1}(1 - delta / (4 l^2
    n))``, which is what the Wald interval's asymptotic normality gives.

    Each phase's fit is the penalised maximum likelihood of
    :class:`~skpref.PairwiseLogisticRegression` (same objective and Newton
    solver) on the phase's counts: arm i queried ``n_i`` times with ``k_i``
    ones is two weighted rows. The very weak prior ``N(0, C I)`` keeps the
    estimate finite when the labels are separable (e.g. every label of an
    arm is 1); the Hessian then is about ``I / C`` in the separating
    direction, the widths there are about ``sqrt(C) ||x||`` and nothing is
    decided along it: separation makes the rule conservative, never wrong.
    Its ``I / C`` in ``H`` is negligible against a phase's information.

    Arms that do not span ``R^d`` are handled in coordinates of their span
    (exact; see :func:`oracle_allocation`). A zero arm has no sign and is
    rejected.

    Parameters
    ----------
    delta : float, default=0.05
        Target error probability (for all signs at once).
    design : {"gap", "g-optimal", "uniform"}, default="gap"
        The allocation.
    budget_factor : float, default=4.0
        The constant in ``n_l = ceil(budget_factor * beta_l^2 * f)``.
    union_over : {"arms", "undecided"}, default="arms"
        Count of the union bound in ``beta_l``: all K arms (default) or the
        undecided ones.
    tail : {"sub-gaussian", "gaussian"}, default="sub-gaussian"
        ``beta_l^2 = 2 log(4 l^2 n / delta)`` (default) or the normal quantile
        ``beta_l = Phi^{-1}(1 - delta / (4 l^2 n))``.
    burn_in : int, default=20
        Burn-in labels per dimension of the arms' span (0: no burn-in; the
        first design then uses ``theta_hat = 0``).
    C : float, default=1e4
        Prior variance of each phase's fit (a very weak ridge ``||theta||^2 / (2C)``).
    max_phases : int, default=40
        Safety cap on the number of phases.
    max_labels : int, default=10**9
        Safety cap on the labels used: a phase that would exceed it is not
        started. Hitting either cap warns and returns with the undecided
        arms' signs at 0 and ``converged=False``.
    sharpness : float, default=10.0
        Softness of the maximum in the design solver
        (:func:`~skpref.design._oracle.minimax_design`).
    design_tol : float, default=1e-2
        Certified relative accuracy at which a design stops. ``n_l`` uses
        the exact value of the design found, so an inexact design costs
        labels, never correctness.
    design_max_iter : int, default=50
        Iterations per design.

    See Also
    --------
    oracle_allocation : The instance's difficulty ``rho*``.

    References
    ----------
    The phase structure follows
    Fiez, Jain, Jamieson and Ratliff, "Sequential experimental design for
    transductive linear bandits", NeurIPS 2019, with logistic designs as in
    Mason, Jun and Jain, "An experimental design approach for regret
    minimization in logistic bandits", AAAI 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.design import PhasedElimination
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    >>> theta = np.array([1.5, -0.5])
    >>> rng = np.random.default_rng(0)
    >>> def oracle(i, n):
    ...     return rng.random(n) < 1.0 / (1.0 + np.exp(-X[i] @ theta))
    >>> result = PhasedElimination(delta=0.05).run(X, oracle, random_state=0)
    >>> result.signs
    array([ 1, -1,  1,  1])
    >>> bool(result.n_labels == result.labels_per_arm.sum())
    True
    """

    _parameter_constraints: dict = {
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "design": [StrOptions({"gap", "g-optimal", "uniform"})],
        "budget_factor": [Interval(Real, 0, None, closed="neither")],
        "union_over": [StrOptions({"arms", "undecided"})],
        "tail": [StrOptions({"sub-gaussian", "gaussian"})],
        "burn_in": [Interval(Integral, 0, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "max_phases": [Interval(Integral, 1, None, closed="left")],
        "max_labels": [Interval(Integral, 1, None, closed="left")],
        "sharpness": [Interval(Real, 0, None, closed="neither")],
        "design_tol": [Interval(Real, 0, None, closed="neither")],
        "design_max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        delta=0.05,
        design="gap",
        *,
        budget_factor=4.0,
        union_over="arms",
        tail="sub-gaussian",
        burn_in=20,
        C=1e4,
        max_phases=40,
        max_labels=10**9,
        sharpness=10.0,
        design_tol=1e-2,
        design_max_iter=50,
    ):
        self.delta = delta
        self.design = design
        self.budget_factor = budget_factor
        self.union_over = union_over
        self.tail = tail
        self.burn_in = burn_in
        self.C = C
        self.max_phases = max_phases
        self.max_labels = max_labels
        self.sharpness = sharpness
        self.design_tol = design_tol
        self.design_max_iter = design_max_iter

    def confidence_radius(self, phase, n_arms):
        """``beta_l = sqrt(2 log(4 l^2 n / delta))``, or the normal quantile (``tail="gaussian"``).

        ``n`` is the union bound's count of arms (K, or ``|S_l|`` with
        ``union_over="undecided"``). Each arm's two-sided failure probability
        in phase l is at most ``delta / (2 l^2 n)``.

        Parameters
        ----------
        phase : int
            The phase index ``l >= 1``.
        n_arms : int
            The union bound's count of arms ``n``.

        Returns
        -------
        beta : float
            The radius, in standard deviations of the logit.
        """
        share = self.delta / (4.0 * phase**2 * n_arms)
        if self.tail == "gaussian":
            return float(special.ndtri(1.0 - share))
        return math.sqrt(2.0 * math.log(1.0 / share))

    # -- the pieces of a phase ---------------------------------------------

    def _minimax_design(self, Z, curvature, targets, normalizer, initial):
        """:func:`~skpref.design._oracle.minimax_design` with this object's settings."""
        weights, value, _ = minimax_design(
            Z,
            curvature,
            targets,
            normalizer,
            initial,
            sharpness=self.sharpness,
            tol=self.design_tol,
            max_iter=self.design_max_iter,
        )
        return weights, value

    def _allocate(self, Z, theta, active, eps, beta, initial):
        """The phase's design ``lambda_l`` and label count ``n_l``."""
        n_arms = Z.shape[0]
        margins = matvec(Z, theta)
        curvature = logistic_variance(np.clip(margins, -_DESIGN_LOGIT_CLIP, _DESIGN_LOGIT_CLIP))
        if self.design == "gap":
            location = np.maximum(np.abs(margins[active]), eps)
            weights, value = self._minimax_design(Z, curvature, active, location, initial)
        elif self.design == "g-optimal":
            everything = np.arange(n_arms)
            weights, value = self._minimax_design(
                Z, curvature, everything, np.ones(n_arms), initial
            )
            value /= eps**2
        else:
            weights = np.full(n_arms, 1.0 / n_arms)
            value = float(normalized_widths(Z, curvature, weights, np.ones(n_arms)).max()) / eps**2
        return weights, value, math.ceil(self.budget_factor * beta**2 * value)

    def _query(self, oracle, counts):
        """Ask the oracle; return the number of ones per arm."""
        ones = np.zeros(counts.size, dtype=np.int64)
        for arm in np.flatnonzero(counts):
            n = int(counts[arm])
            labels = np.asarray(oracle(int(arm), n))
            if labels.shape != (n,):
                raise ValueError(
                    f"oracle({arm}, {n}) must return {n} labels, got an array of "
                    f"shape {labels.shape}."
                )
            if labels.dtype != bool and not np.all((labels == 0) | (labels == 1)):
                raise ValueError(f"oracle({arm}, {n}) returned labels other than 0 and 1.")
            ones[arm] = np.count_nonzero(labels)
        return ones

    def _fit(self, Z, counts, ones):
        """The phase's fit, by the estimator: arm i queried ``n_i`` times, ``k_i`` ones.

        Its labels are the rows ``(z_i, 1)`` at weight ``k_i`` and ``(z_i, 0)``
        at weight ``n_i - k_i``: :class:`~skpref.PairwiseLogisticRegression`
        with ``C`` and these sample weights (an arm whose labels are all ones
        is a one-class start, which its ``fit_labeled`` takes exactly).

        Returns
        -------
        PairwiseLogisticRegression
            Fitted; its ``posterior_`` gives the phase's intervals.
        """
        queried = np.flatnonzero(counts)
        rows = np.vstack([Z[queried], Z[queried]])
        targets = np.r_[np.ones(queried.size, dtype=int), np.zeros(queried.size, dtype=int)]
        weights = np.r_[ones[queried], counts[queried] - ones[queried]].astype(np.float64)
        keep = weights > 0
        model = PairwiseLogisticRegression(C=self.C, solver="newton-cholesky", max_iter=200)
        return model.fit_labeled(rows[keep], targets[keep], sample_weight=weights[keep])

    # -- the algorithm -----------------------------------------------------

    def run(self, X_arms, oracle, random_state=None):
        """Identify the sign of every ``x_i^T theta*``.

        Parameters
        ----------
        X_arms : array-like of shape (K, d)
            The arms (comparison rows).
        oracle : callable
            ``oracle(i, n)`` returns ``n`` independent labels (0/1 or bool)
            of arm ``i``. Only the number of ones per arm and phase is used.
        random_state : int, RandomState instance or None, default=None
            Seeds the tie-breaking of the rounding to counts (the labels'
            randomness is the oracle's).

        Returns
        -------
        EliminationResult

        Notes
        -----
        Runs with single-threaded BLAS (threadpoolctl): its matrices are
        tiny, where BLAS threads only add latency.
        """
        with single_threaded_blas():
            return self._run(X_arms, oracle, random_state)

    def _run(self, X_arms, oracle, random_state):
        """The body of :meth:`run`."""
        self._validate_params()
        if not callable(oracle):
            raise TypeError(f"oracle must be callable as oracle(i, n), got {oracle!r}.")
        X = np.asarray(X_arms, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
            raise ValueError(
                f"X_arms must be a finite 2-D array with at least one arm, got shape {X.shape}."
            )
        zero = np.flatnonzero(~np.any(X != 0, axis=1))
        if zero.size:
            raise ValueError(
                f"Arm(s) {zero[:10].tolist()} are the zero vector: x^T theta = 0 has no sign."
            )
        random_state = check_random_state(random_state)
        Z, basis = span_coordinates(X)
        n_arms, rank = Z.shape
        labels_per_arm = np.zeros(n_arms, dtype=np.int64)
        signs = np.zeros(n_arms, dtype=np.int64)
        decision_phase = np.full(n_arms, -1, dtype=np.int64)
        active = np.arange(n_arms)
        phases = []

        theta = np.zeros(rank)
        weights = np.full(n_arms, 1.0 / n_arms)
        n_burn_in = self.burn_in * rank
        if n_burn_in > 0:  # G-optimal design at theta = 0: every mu' is 1/4
            weights, value = self._minimax_design(
                Z, np.full(n_arms, 0.25), active, np.ones(n_arms), weights
            )
            counts = round_to_counts(weights, n_burn_in, random_state)
            ones = self._query(oracle, counts)
            labels_per_arm += counts
            theta = self._fit(Z, counts, ones).coef_.ravel()
        else:
            counts, value = np.zeros(n_arms, dtype=np.int64), np.nan
        phases.append(
            Phase(0, np.nan, np.nan, value, counts, n_arms, np.array([], int), matvec(basis, theta))
        )

        converged = True
        for index in range(1, self.max_phases + 1):
            eps = 2.0**-index
            beta = self.confidence_radius(
                index, n_arms if self.union_over == "arms" else active.size
            )
            # Warm start, mixed with uniform so the start is never singular.
            initial = 0.9 * weights + 0.1 / n_arms
            weights, value, n_phase = self._allocate(Z, theta, active, eps, beta, initial)
            if labels_per_arm.sum() + n_phase > self.max_labels:
                warnings.warn(
                    f"PhasedElimination: phase {index} needs {n_phase} labels, which would "
                    f"exceed max_labels={self.max_labels}; stopping with {active.size} "
                    "arm(s) undecided (sign 0).",
                    RuntimeWarning,
                )
                converged = False
                break
            counts = round_to_counts(weights, n_phase, random_state)
            ones = self._query(oracle, counts)
            labels_per_arm += counts
            model = self._fit(Z, counts, ones)
            theta = model.coef_.ravel()
            means, widths = model.posterior_.mean_and_std(Z[active])
            decided = sign_decided(means, widths, beta)
            signs[active[decided]] = np.sign(means[decided]).astype(np.int64)
            decision_phase[active[decided]] = index
            phases.append(
                Phase(
                    index,
                    eps,
                    beta,
                    value,
                    counts,
                    active.size,
                    active[decided],
                    matvec(basis, theta),
                )
            )
            active = active[~decided]
            if active.size == 0:
                break
        else:
            warnings.warn(
                f"PhasedElimination: stopped after max_phases={self.max_phases} phases with "
                f"{active.size} arm(s) undecided (sign 0).",
                RuntimeWarning,
            )
            converged = False
        return EliminationResult(signs, labels_per_arm, decision_phase, phases, converged)
