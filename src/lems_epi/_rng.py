"""One way to turn the ``rng`` keyword into a :class:`numpy.random.Generator`."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_generator", "entropy_from"]


def as_generator(rng, *, caller: str) -> np.random.Generator:
    """Return a Generator from ``None``, an int or a Generator (SPEC 7).

    Examples
    --------
    >>> g = as_generator(3, caller="f")
    >>> isinstance(g, np.random.Generator)
    True
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{caller}: 'rng' as an int must be >= 0, got {rng}.")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{caller}: 'rng' must be None, a non-negative int or a "
                    f"numpy.random.Generator, got {type(rng).__name__} ({rng!r}).")


def entropy_from(rng, *, caller: str) -> int:
    """Return the integer entropy that seeds a block-wise simulation.

    An int is the entropy itself; from a Generator a 128-bit entropy is drawn (so two generators
    spawned from one parent give different results); ``None`` takes fresh OS entropy.

    Examples
    --------
    >>> entropy_from(42, caller="f")
    42
    """
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{caller}: 'rng' as an int must be >= 0, got {rng}.")
        return int(rng)
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, np.random.Generator):
        hi, lo = rng.integers(0, 2**63, size=2, dtype=np.int64)
        return (int(hi) << 63) | int(lo)
    raise TypeError(f"{caller}: 'rng' must be None, a non-negative int or a "
                    f"numpy.random.Generator, got {type(rng).__name__} ({rng!r}).")
