"""Warnings raised by lems_epi.

Errors are plain :class:`ValueError` and :class:`TypeError`, so that callers can catch them
with the exception types they already know. Warnings form a small hierarchy, so that a user
can silence one kind without hiding the others::

    import warnings
    from lems_epi.exceptions import SparseDataWarning
    warnings.simplefilter("ignore", SparseDataWarning)
"""

__all__ = [
    "LemsEpiWarning",
    "SparseDataWarning",
    "ZeroCellWarning",
    "ConvergenceWarning",
    "DroppedRowsWarning",
    "UndefinedValueWarning",
]


class LemsEpiWarning(UserWarning):
    """Base class of every warning lems_epi emits."""


class SparseDataWarning(LemsEpiWarning):
    """Counts are too small for the approximation a method relies on."""


class ZeroCellWarning(LemsEpiWarning):
    """A table has a zero cell, so a ratio or its log-scale interval is undefined."""


class ConvergenceWarning(LemsEpiWarning):
    """A numerical procedure may not have converged (e.g. Sobol indices at small n)."""


class DroppedRowsWarning(LemsEpiWarning):
    """Rows were left out of a computation, and the message says which and why."""


class UndefinedValueWarning(LemsEpiWarning):
    """A quantity is undefined for these data and is returned as NaN.

    For example a log-log limit where survival is 0; the message says where and why.
    """
