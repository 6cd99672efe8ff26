"""Newton solvers for :class:`~skpref._objective.PenalizedLogLoss`.

Both take damped Newton steps ``p = -H^{-1} g`` with an Armijo backtracking
line search, and stop when the largest coordinate of an accepted step is at
most ``tol``: near the optimum the Newton step is the distance to it, so the
returned coefficients are then accurate to well below ``tol``.

* ``newton_cholesky`` forms ``H`` (``O(n p^2)``) and solves with its Cholesky
  factor: best when ``p`` is small or the problem is ill-conditioned.
* ``newton_cg`` never forms ``H``: it solves ``H p = -g`` by preconditioned
  conjugate gradients on Hessian-vector products (``O(n p)`` each), with the
  forcing term of Eisenstat and Walker (1996) so the step becomes exact as the
  gradient vanishes: best for ``n p`` large, where a few dozen products cost
  less than one Hessian.
"""

import numpy as np
from scipy.linalg import cho_solve, cholesky

from ._blas import dot, norm

_ARMIJO_SLOPE = 1e-4
_MAX_HALVINGS = 40


class SolverResult:
    """Solution ``w``, logits ``z`` at it, Newton iterations and convergence."""

    def __init__(self, w, z, n_iter, converged):
        self.w = w
        self.z = z
        self.n_iter = n_iter
        self.converged = converged


def _line_search(objective, w, z, value, gradient, step):
    """Backtrack from the full step until the Armijo condition holds.

    Near the optimum a Newton step changes ``f`` by less than its rounding
    error, and backtracking on that noise would leave part of the step, i.e.
    of the remaining error, untaken. So a step whose change of ``f`` is within
    rounding error is accepted when it lowers the gradient norm, as
    scikit-learn's Newton solvers do.

    Returns ``(w_new, z_new, value_new, t)``; falls back to the last trial if
    the objective cannot be decreased.
    """
    slope = dot(gradient, step)
    step_logits = objective.logits(step)  # z(w + t p) = z(w) + t z(p), z linear
    rounding = 64 * np.finfo(float).eps * abs(value)
    t = 1.0
    for _ in range(_MAX_HALVINGS):
        z_new = z + t * step_logits
        w_new = w + t * step
        value_new = objective.value(w_new, z_new)
        if value_new <= value + _ARMIJO_SLOPE * t * slope:
            break
        if abs(value_new - value) <= rounding and norm(
            objective.gradient(w_new, z_new)
        ) < norm(gradient):
            break
        t *= 0.5
    return w_new, z_new, value_new, t


def _newton(objective, w0, tol, max_iter, direction):
    """Damped Newton iterations with a pluggable way to compute the step."""
    w = np.array(w0, dtype=np.float64, copy=True)
    z = objective.logits(w)
    value = objective.value(w, z)
    for iteration in range(1, max_iter + 1):
        gradient = objective.gradient(w, z)
        if objective.newton_step_bound(gradient) <= tol:
            # The Newton step is provably below tol: skip forming it.
            return SolverResult(w, z, iteration - 1, converged=True)
        step = direction(objective, z, gradient)
        w, z, value, _ = _line_search(objective, w, z, value, gradient, step)
        # The Newton step estimates the distance to the optimum, whatever
        # fraction of it the line search took.
        if np.max(np.abs(step), initial=0.0) <= tol:
            return SolverResult(w, z, iteration, converged=True)
    return SolverResult(w, z, max_iter, converged=False)


def _cholesky_direction(objective, z, gradient):
    factor = cholesky(objective.hessian(None, z), lower=True, check_finite=False)
    return -cho_solve((factor, True), gradient, check_finite=False)


class _ConjugateGradientDirection:
    """Truncated Newton step by preconditioned conjugate gradients.

    The forcing term ``eta_k = min(0.5, sqrt(||g_k|| / ||g(0)||))`` (Eisenstat
    and Walker, 1996, choice 2 made scale-free by the gradient at ``w = 0``)
    lets early steps be rough and makes late steps exact, for superlinear
    convergence; a warm start near the optimum gets exact steps at once.

    The preconditioner is ``diag H`` at the starting point (one chunked pass:
    it captures the scale of each feature), or, when refitting in an active
    loop, the Cholesky factor of the previous fit's Hessian: with a few more
    rows the new Hessian is close to it, and CG converges in a few products.
    """

    def __init__(self, previous_factor=None):
        self.previous_factor = previous_factor
        self.preconditioner = None
        self.reference_gradient_norm = None

    def _precondition(self, residual):
        if self.previous_factor is not None:
            return cho_solve((self.previous_factor, True), residual, check_finite=False)
        return self.preconditioner * residual

    def __call__(self, objective, z, gradient):
        curvature = objective.curvature(z)
        gradient_norm = norm(gradient)
        if self.reference_gradient_norm is None:
            if self.previous_factor is None:
                diagonal = objective.hessian_diagonal(curvature)
                self.preconditioner = 1.0 / np.maximum(diagonal, np.finfo(float).tiny)
            reference = norm(objective.gradient(np.zeros_like(gradient)))
            self.reference_gradient_norm = max(reference, np.finfo(float).tiny)
        forcing = min(0.5, np.sqrt(gradient_norm / self.reference_gradient_norm))
        target = forcing * gradient_norm
        step = np.zeros_like(gradient)
        residual = -gradient
        preconditioned = self._precondition(residual)
        direction = preconditioned.copy()
        rz = dot(residual, preconditioned)
        for _ in range(max(10, 2 * gradient.size)):
            if norm(residual) <= target:
                break
            product = objective.hessian_product(curvature, direction)
            alpha = rz / dot(direction, product)
            step += alpha * direction
            residual -= alpha * product
            preconditioned = self._precondition(residual)
            rz_new = dot(residual, preconditioned)
            direction = preconditioned + (rz_new / rz) * direction
            rz = rz_new
        return step


def newton_cholesky(objective, w0, tol, max_iter, previous_factor=None):
    """Minimise ``objective`` by Newton's method with Cholesky solves.

    ``previous_factor`` is accepted for a common signature and not used: the
    Hessian is factorised anew at every iterate.
    """
    return _newton(objective, w0, tol, max_iter, _cholesky_direction)


def newton_cg(objective, w0, tol, max_iter, previous_factor=None):
    """Minimise ``objective`` by truncated Newton with preconditioned CG.

    ``previous_factor``, the lower Cholesky factor of a nearby Hessian (the
    last fit's posterior), preconditions CG when given.
    """
    direction = _ConjugateGradientDirection(previous_factor)
    return _newton(objective, w0, tol, max_iter, direction)
