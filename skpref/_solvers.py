"""Newton solvers for :class:`~skpref._objective.PenalizedLogLoss`.

Both take Newton steps ``p = -H^{-1} g`` with a line search on
``phi(t) = f(w + t p)`` and stop on the Newton decrement.

* ``newton_cholesky`` forms ``H`` (``O(n p^2)``) and solves with its Cholesky
  factor: best when ``p`` is small or the problem is ill-conditioned.
* ``newton_cg`` never forms ``H``: it solves ``H p = -g`` by preconditioned
  conjugate gradients on Hessian-vector products (``O(n p)`` each), with the
  forcing term of Eisenstat and Walker (1996) so the step becomes exact as the
  gradient vanishes: best for ``n p`` large, where a few dozen products cost
  less than one Hessian.

**Stopping rule.** The Newton decrement

.. math::

    \\lambda(w) = \\sqrt{g^T H^{-1} g} = \\|p\\|_H

is the length of the Newton step in the metric of the Hessian, that is in
standard deviations of the Laplace posterior ``N(w, H^{-1})``, and
``lambda^2 / 2`` estimates the excess ``f(w) - f*`` of the objective (Boyd and
Vandenberghe, 9.5.1). The solvers stop after a step with

.. math::

    \\lambda \\le \\mathrm{tol} \\sqrt{2 f(w)},

i.e. once that excess is at most ``tol^2`` relative to ``f`` itself. Both
sides are invariant under any reparametrisation of ``w``: rescaling the
features (``a X`` with ``C / a^2``, whose solution is ``w / a``) leaves every
iterate's test, and so the iterations, unchanged, which no absolute
threshold on the step or on the gradient does (a threshold on the step in
the units of the coefficients is met after a single step by features of a
large enough scale, however far that step ends from the optimum).
Relative to ``f`` rather than absolute in posterior units, the test also
holds where the posterior is enormous, as on separable data with a huge
``C``: there the whole path from 0 to the optimum is a tiny fraction of a
posterior standard deviation, and an absolute ``lambda <= tol`` would stop
anywhere along it. It needs no reference point, so a warm start is judged
as a cold one is, and it is met at the rounding floor of ``f`` (where
``lambda^2`` is far below ``eps f``), so a fit whose optimum is 0 up to
rounding converges too. Since ``||w - w*||_H ~ lambda``, Cauchy-Schwarz puts
every logit within about ``tol sqrt(2 f) sqrt(x^T H^{-1} x)`` of the exact
one. The step that ends the fit is always taken, so after a full step the
error is of order ``lambda^2`` plus what a truncated solve left out of that
step (newton-cg bounds it by a tenth of the threshold, see
:class:`_ConjugateGradientDirection`); with Cholesky solves that last step
is nearly free (see :func:`newton_cholesky`).

**Line search.** Every trial costs ``O(n)``: the logits are linear along the
step (``z(w + t p) = z(w) + t z(p)``), and so is the directional derivative
``phi'(t) = r(t)^T z(p) + theta(t)^T p_theta / C`` of ``phi(t) = f(w + t p)``.
From ``t = 1`` the step is halved until it decreases ``f`` sufficiently,
which is accepted in any of three forms:

* Armijo, ``phi(t) <= phi(0) + c_1 t phi'(0)``;
* ``phi'(t) <= c_1 phi'(0)``, which implies Armijo because ``phi`` is convex
  (``phi(t) <= phi(0) + t phi'(t)``), and needs no difference of values;
* when ``|phi(t) - phi(0)|`` is within the rounding error of ``f``, the
  approximate Wolfe condition ``phi'(t) <= (2 delta - 1) phi'(0)`` of Hager and
  Zhang (2005).

Near a nearly separable optimum the last Newton steps change ``f`` by less
than its rounding error: an Armijo test on values alone rejects every step
(and halving makes it worse), while the derivative, which has no
cancellation, still tells a good step from a bad one. If the full step still
ends on a steep descent (``phi'(1) <= 0.1 phi'(0)``: the curvature fell along
it, as in the exponential tail of separable data, where a Newton step moves
each logit by about one), the step is doubled while ``phi'`` stays negative
(which certifies that ``phi`` keeps falling), so a huge ``C`` on separable
data is solved in a few dozen iterations instead of one per unit of logit.

References
----------
S. C. Eisenstat and H. F. Walker, "Choosing the forcing terms in an inexact
Newton method", SIAM J. Sci. Comput. 17 (1996).
W. W. Hager and H. Zhang, "A new conjugate gradient method with guaranteed
descent and an efficient line search", SIAM J. Optim. 16 (2005).
S. Boyd and L. Vandenberghe, "Convex Optimization" (2004), section 9.5.1.
"""

import math

import numpy as np
from scipy.linalg import LinAlgError, cho_solve, cholesky

from ._blas import dot, norm
from .exceptions import NotPositiveDefiniteError

#: Sufficient decrease ``c_1`` of the Armijo condition.
_ARMIJO_SLOPE = 1e-4
#: ``delta`` of Hager and Zhang's approximate Wolfe condition.
_APPROXIMATE_WOLFE = 0.1
#: A full step whose end still descends at this fraction of the initial slope
#: is extrapolated.
_EXTRAPOLATE = 0.1
#: Trial steps per line search: enough to halve to 2^-60 or double to 2^60.
_MAX_TRIALS = 60
#: Factor by which some row's curvature must move before newton-cg rebuilds its Jacobi
#: preconditioner.
_REBUILD = 10.0
#: Relative change of every row's curvature below which a Cholesky factor is reused.
_CHORD = 1e-3
#: Largest ratio of ``sum_k |alpha_k z(d_k)|`` to ``|z(p)|`` (infinity norms) at which
#: newton-cg hands the line search the logits it summed over its directions, and of the
#: largest logits since ``z`` was last formed as ``X w`` to the current ones.
_CANCELLATION = 4.0
#: Newton-CG stops its solve early once the decrement test is certain to pass and the
#: step's untaken part is at most this fraction of the test's threshold (in the H-norm).
_UNTAKEN = 0.1
#: How many times faster per flop BLAS forms a Hessian (``syrk``, cache-blocked) than it
#: computes a Hessian-vector product (``gemv``, bound by memory bandwidth).
_BLAS3_SPEEDUP = 4.0
#: Newton-CG accepts the factor of a Hessian as its preconditioner only if every pivot
#: ``L_ii^2`` is at least ``H_ii`` over this (``1 / sqrt(eps)``).
_FACTOR_CONDITION = 1.0 / math.sqrt(np.finfo(float).eps)
#: Relative shifts tried when a Hessian is not positive definite to rounding.
_SHIFTS = (1.0, 1e2, 1e4, 1e6)


def _hessian_cost(n_samples, n_features, n_params):
    """The cost of forming and factorising ``H``, in Hessian-vector products.

    ``n p^2`` flops for the Hessian (BLAS ``syrk``) and ``p^3 / 3`` for its
    factor, against ``4 n p`` for a product (two ``gemv``), the former
    :data:`_BLAS3_SPEEDUP` times faster per flop.
    """
    flops = n_samples * n_params**2 + n_params**3 / 3.0
    return flops / (4.0 * n_samples * n_params * _BLAS3_SPEEDUP)


class SolverResult:
    """Solution ``w``, logits ``z`` at it, Newton iterations and convergence."""

    def __init__(self, w, z, n_iter, converged):
        self.w = w
        self.z = z
        self.n_iter = n_iter
        self.converged = converged


def _value_rounding(objective, value):
    """A bound on the rounding error of ``f``: its terms are non-negative.

    Each term of ``f`` is accurate to a few units in the last place
    (:func:`~skpref._logistic.log_loss_terms` has no cancellation), and the
    blocked sums of BLAS grow that by about the square root of their length.
    """
    return 64.0 * np.finfo(float).eps * math.sqrt(objective.X.shape[0] + 1.0) * abs(value)


def _line_search(objective, w, z, value, slope, step, step_logits=None):
    """A step length with sufficient decrease, backtracking or extrapolating.

    ``step_logits`` are the logits ``z(p)`` of the step if the direction has
    them (one pass over ``X`` otherwise). Returns ``(w_new, z_new,
    value_new)``, or ``None`` when no trial decreases ``f`` (the step is below
    the objective's resolution).
    """
    if step_logits is None:
        step_logits = objective.logits(step)  # z(w + t p) = z(w) + t z(p), z linear
    rounding = _value_rounding(objective, value)
    approximate = (2.0 * _APPROXIMATE_WOLFE - 1.0) * slope

    def trial(t):
        z_new = z + t * step_logits
        w_new = w + t * step
        value_new = objective.value(w_new, z_new)
        derivative = objective.directional_derivative(w_new, z_new, step, step_logits)
        if not (math.isfinite(value_new) and math.isfinite(derivative)):
            return None
        return w_new, z_new, value_new, derivative

    t, trials = 1.0, 0
    while True:  # backtrack to sufficient decrease
        trials += 1
        point = trial(t)
        if point is not None and (
            point[2] <= value + _ARMIJO_SLOPE * t * slope
            or point[3] <= _ARMIJO_SLOPE * slope
            or (abs(point[2] - value) <= rounding and point[3] <= approximate)
        ):
            break
        if trials == _MAX_TRIALS:
            return None
        t *= 0.5
    if t == 1.0 and point[3] <= _EXTRAPOLATE * slope:
        # The full step still ends on a steep descent: the curvature fell along
        # it, as in the exponential tail of separable data. Double the step
        # while phi keeps falling (phi'(2t) <= 0 certifies phi(2t) <= phi(t)).
        while trials < _MAX_TRIALS:
            trials += 1
            longer = trial(2.0 * t)
            if longer is None:
                break
            if longer[3] > 0.0:  # past the line minimum, which lies in (t, 2t)
                if longer[2] < point[2] - rounding:
                    point = longer
                break
            t, point = 2.0 * t, longer
    return point[:3]


def _newton(objective, w0, tol, max_iter, direction):
    """Damped Newton iterations with a pluggable way to compute the step.

    ``direction(objective, w, z, gradient)`` returns the step ``p``, an
    estimate of ``||p* - p||_H^2``, the part of the exact Newton step ``p*``
    that an inexact solve left out (0 for an exact solve), and the logits
    ``z(p)`` of the step, or ``None`` for the line search to compute them.
    """
    w = np.array(w0, dtype=np.float64, copy=True)
    z = objective.logits(w)
    scale = float(np.abs(z).max(initial=0.0))  # the largest |z| since z was X w
    value = objective.value(w, z)
    gradient = objective.gradient(w, z)
    for iteration in range(1, max_iter + 1):
        target = tol * math.sqrt(2.0 * value)  # the test: lambda <= target
        step, untaken, step_logits = direction(objective, w, z, gradient, target)
        slope = dot(gradient, step)
        # lambda^2 = g^T H^{-1} g = -g^T p* ; an inexact step p adds its defect.
        decrement = math.sqrt(max(-slope, 0.0) + max(untaken, 0.0))
        # Not a descent direction (p is zero or below rounding), or no trial
        # decreases f along it: this iterate is as good as the solver can do.
        accepted = None
        if slope < 0.0:
            accepted = _line_search(objective, w, z, value, slope, step, step_logits)
        if accepted is None and getattr(direction, "fallback", lambda: False)():
            continue  # the direction changed its method: a new step from here
        if accepted is None:
            return SolverResult(
                w, z, iteration, converged=decrement <= tol * math.sqrt(2.0 * value)
            )
        w, z, value = accepted
        # Each update z + t z(p) is accurate to about eps max|z| at the largest
        # logits it has passed through: once the logits have shrunk by more than
        # a factor 4 since they were last formed as X w (a huge trial step on
        # separable data, walked back), form them afresh, or that rounding (256
        # after logits of 1e18) would stay in every later logit and residual.
        peak = float(np.abs(z).max(initial=0.0))
        if peak * _CANCELLATION < scale:
            z = objective.logits(w)
            value = objective.value(w, z)
            scale = float(np.abs(z).max(initial=0.0))
        else:
            scale = max(scale, peak)
        gradient = objective.gradient(w, z)
        if decrement <= tol * math.sqrt(2.0 * value):
            return SolverResult(w, z, iteration, converged=True)
    return SolverResult(w, z, max_iter, converged=False)


def _factor(hessian):
    """Lower Cholesky factor of ``H``, shifted if ``H`` is singular to rounding.

    ``H = I / C + sum_j c_j x_j x_j^T`` is positive definite in exact
    arithmetic, but not in float64 once its smallest eigenvalue falls below
    the rounding error of its largest entries: a huge ``C`` with collinear or
    saturated rows, or an intercept whose rows all have ``mu'`` ~ 0. The
    step is then taken with ``H + mu I``, ``mu`` a small multiple of that
    rounding error: still a descent direction, which the line search makes
    safe. (The posterior of such a fit is not computable and says so.)
    """
    try:
        return cholesky(hessian, lower=True, check_finite=False)
    except LinAlgError:
        pass
    diagonal = np.diag(hessian)
    rounding = np.finfo(float).eps * hessian.shape[0] * max(diagonal.max(), np.finfo(float).tiny)
    for factor in _SHIFTS:
        try:
            return cholesky(
                hessian + factor * rounding * np.eye(hessian.shape[0]),
                lower=True,
                check_finite=False,
            )
        except LinAlgError:
            continue
    raise NotPositiveDefiniteError(
        "The Newton system is singular beyond rounding: the Hessian's largest diagonal "
        f"entry is {diagonal.max():.3g} and its smallest {diagonal.min():.3g}."
    )


class _CholeskyDirection:
    """Newton steps ``-H^{-1} g`` by Cholesky solves, reusing a factor that still fits.

    When no row's curvature ``c_j = s_j mu'(z_j)`` has moved by more than a
    relative ``delta = 1e-3`` since the last factorisation, the old factor
    ``L_b`` is used again (a chord step): then ``(1 - delta) H_b <= H <= (1 +
    delta) H_b``, so the step is within ``delta`` of Newton's and the
    decrement ``g^T H_b^{-1} g``, inflated by ``1 / (1 - delta)``, still
    bounds the true one. Near the optimum, where the curvature has stopped
    moving, the last step (the one that certifies convergence) then costs
    two triangular solves instead of an ``O(n p^2)`` Hessian.
    """

    def __init__(self):
        self.factor = None
        self.curvature = None

    def __call__(self, objective, w, z, gradient, target):
        curvature = objective.curvature(z)
        fresh = self.factor is None or np.any(
            np.abs(curvature - self.curvature) > _CHORD * self.curvature
        )
        if fresh:
            self.factor = _factor(objective.hessian(None, z))
            self.curvature = curvature
        step = -cho_solve((self.factor, True), gradient, check_finite=False)
        if fresh:
            return step, 0.0, None
        # -g^T p <= lambda^2 (1 - delta)^-1: report the difference as untaken
        return step, max(-dot(gradient, step), 0.0) * _CHORD / (1.0 - _CHORD), None


class _ConjugateGradientDirection:
    """Truncated Newton step by preconditioned conjugate gradients.

    The forcing term ``eta_k = min(0.5, sqrt(||g_k||_M / ||g(0)||_M))``
    (Eisenstat and Walker, 1996, choice 2 made scale-free by the gradient at
    ``w = 0``) lets early steps be rough and makes late steps exact, for
    superlinear convergence; a warm start near the optimum gets exact steps
    at once. CG stops once the residual ``r`` of ``H p = -g`` has
    ``||r||_M <= eta_k ||g||_M``, or, without an intercept, as soon as the
    decrement test is certain to pass: then ``H >= I / C`` bounds the untaken
    part, ``||p* - p||_H^2 = r^T H^{-1} r <= C ||r||^2`` (Galerkin
    orthogonality gives ``lambda^2 = ||p||_H^2 + ||p* - p||_H^2`` with
    ``||p||_H^2 = -g^T p``), and CG stops once ``-g^T p + C ||r||^2 <=
    (tol sqrt(2 f))^2`` with ``sqrt(C) ||r|| <= tol sqrt(2 f) / 10``, so that
    the step it ends with leaves at most a tenth of the test's threshold
    untaken. Both sides are scale-free (``sqrt(C) ||g||`` is, like
    ``lambda``). The certifying step is then one or two products instead of
    the dozens an exact solve to ``eta_k`` takes.

    The preconditioner ``M`` is ``(diag H)^{-1}`` (one chunked ``O(n d)``
    pass: it captures the scale of each feature), rebuilt whenever some row's
    curvature ``c_j`` has moved by more than a factor 10 since it was built,
    so that it follows the curvature where it collapses, as in the tail of
    separable data, where ``diag H`` at 0 is off by orders of magnitude; or,
    when refitting in an active loop, the inverse of the previous
    fit's Hessian through its Cholesky factor: with a few more rows the new
    Hessian is close to it, and CG converges in a few products. Every norm
    is the ``M``-norm
    ``||v||_M = sqrt(v^T M v)``, which a rescaling of the features leaves
    unchanged (``M`` rescales with ``H``), so the truncated steps, and with
    them the iterations, are those of the unscaled problem; plain 2-norms
    would weigh the intercept's coordinate against the features' differently
    at every scale. The defect of the truncated step, ``||p* - p||_H^2 =
    r^T H^{-1} r``, is estimated by ``r^T M r``, which CG computes anyway.

    Jacobi preconditioning is cheap but weak on correlated features (dozens
    of products per step), so once the products since the preconditioner was
    chosen cost more than a Hessian, the Cholesky factor of ``H`` at the
    current iterate takes over (see :meth:`_refactor`). The logits of every
    direction come with its product, and their sum, the logits of the step,
    saves the line search a pass over ``X`` where it did not cancel.
    """

    def __init__(self, previous_factor=None):
        self.factor = previous_factor
        self.preconditioner = None
        self.preconditioned_curvature = None
        self.reference_gradient = None
        self.products = 0  # Hessian-vector products since ``factor`` was built (or since 0)
        self.exact = None  # Cholesky steps, once a factor preconditioner has failed

    def _precondition(self, residual):
        if self.factor is not None:
            return cho_solve((self.factor, True), residual, check_finite=False)
        return self.preconditioner * residual

    def _refactor(self, objective, z):
        """Precondition with the factor of ``H`` here once CG has spent a Hessian's cost.

        If the products since the preconditioner was chosen cost more than
        forming and factorising ``H`` (:func:`_hessian_cost`), ``H`` at this
        iterate is factorised and preconditions from now on: then, since the
        curvature moves little near the optimum, each later step needs a few
        products instead of dozens. Rebuilding only after a Hessian's cost in
        products keeps the total within about twice that of the better of
        the two (Jacobi throughout, or a factor at every step), on any data.
        A Hessian whose condition number is beyond the reach of float64, as
        where the curvature has collapsed (separable data, a huge ``C``), keeps
        the preconditioner as it is: its factor would be rounding there, and
        CG's steps with it unusable. The test is on the pivots relative to the
        diagonal, ``min_i L_ii^2 / H_ii``, which a rescaling of the features
        leaves unchanged (with an intercept too): a pivot is what is left of
        ``H_ii`` once the other parameters explain it, so a tiny one marks a
        direction along which ``H`` is singular to within float64.
        """
        if self.products < _hessian_cost(*objective.X.shape, objective.n_params):
            return
        self.products = 0
        hessian = objective.hessian(None, z)
        try:
            factor = cholesky(hessian, lower=True, check_finite=False)
        except LinAlgError:
            return
        pivots = np.square(np.diag(factor)) / np.diag(hessian)
        if pivots.min() * _FACTOR_CONDITION >= 1.0:
            self.factor = factor

    def _stale(self, curvature):
        """Whether some row's curvature moved by more than a factor 10 since ``M`` was built.

        If none did, every entry of ``diag H`` is within a factor 10 of the one
        ``M`` was built from, close enough for a preconditioner, and ``M`` is
        kept: that saves an ``O(n d)`` pass in most Newton steps.
        """
        if self.preconditioner is None:
            return True
        built = self.preconditioned_curvature
        return bool(np.any((curvature > _REBUILD * built) | (curvature < built / _REBUILD)))

    def _norm(self, vector):
        """``(||v||_M, v / ||v||_2)``, formed on ``v / ||v||_2`` so that it never underflows."""
        length = norm(vector)
        if length == 0.0:
            return 0.0, vector
        unit = vector / length
        return length * math.sqrt(max(dot(unit, self._precondition(unit)), 0.0)), unit

    def __call__(self, objective, w, z, gradient, target):
        curvature = objective.curvature(z)
        if self.reference_gradient is None:
            # A cold start is at w = 0, where the gradient is the one given.
            self.reference_gradient = (
                gradient.copy() if not w.any() else objective.gradient(np.zeros_like(gradient))
            )
        if self.exact is not None:
            return self.exact(objective, w, z, gradient, target)
        self._refactor(objective, z)
        if self.factor is not None:
            return self._solve(objective, z, curvature, gradient, target)
        if self._stale(curvature):
            diagonal = objective.hessian_diagonal(curvature)
            self.preconditioner = 1.0 / np.maximum(diagonal, np.finfo(float).tiny)
            self.preconditioned_curvature = curvature
        return self._solve(objective, z, curvature, gradient, target)

    def fallback(self):
        """Exact Cholesky steps from now on, if a factor preconditioned the last step.

        Where the curvature collapses (the exponential tail of separable data
        with a huge ``C``), a factor is stale after one step and CG's step
        with it can be no usable descent direction; the line search then
        finds no decrease, and this iterate is solved again by Cholesky, as
        :func:`newton_cholesky` does on such data. Returns whether it
        switched.
        """
        if self.factor is None or self.exact is not None:
            return False
        self.exact = _CholeskyDirection()
        return True

    def _solve(self, objective, z, curvature, gradient, target):
        """The truncated CG solve of ``H p = -g`` with the current preconditioner."""
        gradient_norm, unit = self._norm(gradient)
        if gradient_norm == 0.0:
            return np.zeros_like(gradient), 0.0, None
        reference = max(self._norm(self.reference_gradient)[0], np.finfo(float).tiny)
        forcing = min(0.5, math.sqrt(gradient_norm / reference))
        # Solve H p = -g / ||g||_M and scale back: the inner products of CG are
        # quadratic in the right-hand side, and a gradient of 1e-160 (the
        # saturated tail of a separable fit with a huge C) would underflow them.
        scale = gradient_norm / norm(gradient)  # ||g||_M / ||g||_2
        step = np.zeros_like(gradient)
        step_logits = np.zeros_like(z)  # z(step) = sum_k alpha_k z(d_k)
        magnitude = np.zeros_like(z)  # sum_k |alpha_k z(d_k)|, which bounds its rounding
        residual = -unit / scale
        rhs = residual.copy()
        preconditioned = self._precondition(residual)
        direction = preconditioned.copy()
        rz = dot(residual, preconditioned)  # ||r||_M^2, 1 at the start
        # Without an intercept H >= I / C, so r^T H^-1 r <= C ||r||^2 bounds the
        # untaken part rigorously (in units of the true gradient).
        bound_factor = None if objective.fit_intercept else math.sqrt(objective.C) * gradient_norm
        certified = None
        for _ in range(max(10, 2 * gradient.size)):
            if math.sqrt(max(rz, 0.0)) <= forcing:
                break
            if bound_factor is not None and step.any():
                untaken = bound_factor * norm(residual)  # >= ||p* - p||_H
                taken = gradient_norm * math.sqrt(max(dot(rhs, step), 0.0))  # ||p||_H
                if untaken <= _UNTAKEN * target and math.hypot(taken, untaken) <= target:
                    certified = untaken * untaken
                    break
            product, logits = objective.hessian_product_and_logits(curvature, direction)
            self.products += 1
            along = dot(direction, product)
            if not along > 0.0:  # H is singular along this direction to rounding
                if not step.any():
                    step, step_logits = direction, logits  # -M g: a descent direction
                break
            alpha = rz / along
            step += alpha * direction
            step_logits += alpha * logits
            magnitude += abs(alpha) * np.abs(logits)
            residual -= alpha * product
            preconditioned = self._precondition(residual)
            rz_new = dot(residual, preconditioned)
            direction = preconditioned + (rz_new / rz) * direction
            rz = rz_new
        # The summed logits are accurate to about (k eps) max_j magnitude_j, k
        # the CG iterations: use them where that sum did not cancel (to within a
        # factor 4 of its largest result), as in well-conditioned steps; where
        # it did, as along the collapsed curvature of separable data, its
        # rounding could be far above that of X p, which the line search then
        # computes.
        peak = float(np.abs(step_logits).max(initial=0.0))
        if not magnitude.max(initial=0.0) <= _CANCELLATION * peak:
            step_logits = None
        else:
            step_logits *= gradient_norm
        untaken = max(rz, 0.0) * gradient_norm * gradient_norm if certified is None else certified
        return step * gradient_norm, untaken, step_logits


def newton_cholesky(objective, w0, tol, max_iter, previous_factor=None):
    """Minimise ``objective`` by Newton's method with Cholesky solves.

    Stops after a step whose Newton decrement ``sqrt(g^T H^{-1} g)`` is at
    most ``tol sqrt(2 f)`` (see the module docstring). The Hessian is
    factorised anew wherever the curvature has moved, and its factor reused
    where it has not (see :class:`_CholeskyDirection`). ``previous_factor``
    is accepted for a common signature and not used.
    """
    return _newton(objective, w0, tol, max_iter, _CholeskyDirection())


def newton_cg(objective, w0, tol, max_iter, previous_factor=None):
    """Minimise ``objective`` by truncated Newton with preconditioned CG.

    Stops after a step whose estimated Newton decrement (that of the step
    taken plus the estimated defect of the truncated solve) is at most
    ``tol sqrt(2 f)``.
    ``previous_factor``, the lower Cholesky factor of a nearby Hessian (the
    last fit's posterior), preconditions CG when given.
    """
    direction = _ConjugateGradientDirection(previous_factor)
    return _newton(objective, w0, tol, max_iter, direction)
