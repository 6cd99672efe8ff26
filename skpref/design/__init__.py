"""Experimental designs for logistic preference models.

The Frank-Wolfe solver and rounding used by the design-based query
strategies (:func:`skpref.query.g_optimal_sampling`,
:func:`skpref.query.design_sampling`) live in ``_frank_wolfe``.
"""
