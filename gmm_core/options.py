"""The options of an EM fit, as one frozen, validated value (as MixtureParams is for θ).

:class:`EMOptions` holds what every fitting entry point (``fit``, ``run_em``,
``explore_restarts``, ``select_components``, ``bootstrap_lrt``, ``bootstrap_params``,
``fit_chunked``) passes down: the variance floor, the stopping rule and its tolerance, the
iteration cap, the variance model, the E-step backend and MAP-EM's prior. Each field's
constraint is declared once, in :data:`EMOptions.CONSTRAINTS`, in the manner of scikit-learn's
``_parameter_constraints`` (an ``Interval`` of a type, a set of strings, a class, None), and
checked when the object is made, with the message naming the field and the allowed values.

The entry points take an ``options`` object and the same fields as keyword arguments
(``**overrides``, typed by :class:`EMOverrides`); :meth:`EMOptions.resolve` merges them, the one
place that does: a keyword given (not None) overrides the field of the ``options`` object.

>>> EMOptions(tol=1e-8).replace(max_iter=50).max_iter
50
>>> EMOptions(tol=-1.0)
Traceback (most recent call last):
...
ValueError: tol must be a real number in [0, inf), got -1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from numbers import Integral, Real
from typing import Any, ClassVar, TypedDict

import numpy as np

from .convergence import DEFAULT_STOPPING, STOPPING_RULES, StoppingRule
from .em import Backend
from .prior import ConjugatePrior

__all__ = [
    "BACKENDS",
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "EMOptions",
    "EMOverrides",
    "Interval",
    "InvalidOption",
    "OneOf",
    "check_constraint",
]

#: Convergence threshold of the stopping rule, per point.
DEFAULT_TOL = 1e-6
#: Most iterations of a run.
DEFAULT_MAX_ITER = 1000
#: The E-step implementations (:func:`gmm_core.em.sufficient_statistics`).
BACKENDS: tuple[str, ...] = ("auto", "numpy", "fused")


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` between ``low`` and ``high`` (None: unbounded).

    ``closed`` is "left", "right", "both" or "neither", as in scikit-learn's ``Interval``.
    Booleans are never numbers here (``True`` is not an iteration count).
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            return False
        lo_ok = self.low is None or (
            v >= self.low if self.closed in ("left", "both") else v > self.low
        )
        hi_ok = self.high is None or (
            v <= self.high if self.closed in ("right", "both") else v < self.high
        )
        return lo_ok and hi_ok

    def __str__(self) -> str:
        kind = "an integer" if self.kind is Integral else "a finite number"
        low_closed = self.closed in ("left", "both")
        high_closed = self.closed in ("right", "both")
        if self.high is None:
            bound = f"{'≥' if low_closed else '>'} {self.low:g}" if self.low is not None else ""
        elif self.low is None:
            bound = f"{'≤' if high_closed else '<'} {self.high:g}"
        else:
            bound = (
                f"in {'[' if low_closed else '('}{self.low:g}, {self.high:g}"
                f"{']' if high_closed else ')'}"
            )
        return f"{bound} ({kind})" if bound else kind


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values (strings, or True/False)."""

    values: tuple[object, ...]

    def accepts(self, value: object) -> bool:
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


Constraint = Interval | OneOf | type | None


def _accepts(constraint: Constraint, value: object) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint)
    return constraint.accepts(value)


def _describe(constraint: Constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    return str(constraint)


class InvalidOption(ValueError, TypeError):
    """An option outside its constraints (both a ValueError and a TypeError, like
    scikit-learn's ``InvalidParameterError``)."""


def check_constraint(
    name: str, value: object, constraints: tuple[Constraint, ...], label: str | None = None
) -> None:
    """:class:`InvalidOption` naming ``name`` and the allowed values unless ``value`` meets one
    of ``constraints`` (scikit-learn's ``validate_parameter_constraints``, for one value).

    A choice among names (one :class:`OneOf` of strings) reads "unknown <label> 'x'; choose one
    of ..."; ``label`` defaults to ``name``.
    """
    if any(_accepts(c, value) for c in constraints):
        return
    (first,) = constraints[:1]
    if (
        len(constraints) == 1
        and isinstance(first, OneOf)
        and all(isinstance(v, str) for v in first.values)
    ):
        choices = ", ".join(str(v) for v in first.values)
        raise InvalidOption(f"unknown {label or name} {value!r}; choose one of {choices}")
    allowed = " or ".join(_describe(c) for c in constraints)
    raise InvalidOption(f"{name} must be {allowed}, got {value!r}")


_BOOLEAN = OneOf((True, False))


class EMOverrides(TypedDict, total=False):
    """The fields of :class:`EMOptions` as the entry points' keyword arguments
    (``**overrides: Unpack[EMOverrides]``); None means "not given": the field of ``options``."""

    var_floor: float | None
    tol: float | None
    max_iter: int | None
    equal_variance: bool | None
    backend: Backend | None
    prior: bool | ConjugatePrior | None
    stopping: StoppingRule | None


@dataclass(frozen=True)
class EMOptions:
    """How EM runs, validated once (see :data:`CONSTRAINTS`).

    Attributes
    ----------
    var_floor : float or None
        Lower bound on every variance (> 0); None: :func:`gmm_core.em.default_var_floor` of
        the data being fitted.
    tol : float
        Threshold of the stopping rule, per point (≥ 0); 0 runs ``max_iter`` iterations.
    max_iter : int
        Most iterations of a run (≥ 0).
    equal_variance : bool
        Tied model: one σ² for all components.
    backend : {"auto", "numpy", "fused"}
        E-step implementation (:func:`gmm_core.em.sufficient_statistics`).
    prior : bool or ConjugatePrior
        MAP-EM: True for mclust's default prior of the data and K, or a prior of one's own;
        False for maximum likelihood.
    stopping : {"aitken", "gain"}
        The stopping rule (:mod:`gmm_core.convergence`).
    """

    var_floor: float | None = None
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    equal_variance: bool = False
    backend: Backend = "auto"
    prior: bool | ConjugatePrior = False
    stopping: StoppingRule = DEFAULT_STOPPING

    #: Each field's allowed values: the value must meet one of the constraints listed.
    CONSTRAINTS: ClassVar[Mapping[str, tuple[Constraint, ...]]] = {
        "var_floor": (Interval(Real, 0, None, closed="neither"), None),
        "tol": (Interval(Real, 0, None, closed="left"),),
        "max_iter": (Interval(Integral, 0, None, closed="left"),),
        "equal_variance": (_BOOLEAN,),
        "backend": (OneOf(BACKENDS),),
        "prior": (_BOOLEAN, ConjugatePrior),
        "stopping": (OneOf(STOPPING_RULES),),
    }

    #: How a field is named in messages, where not by its own name.
    LABELS: ClassVar[Mapping[str, str]] = {"stopping": "stopping rule"}

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.generic):  # numpy scalars count as Python numbers, bools
                value = value.item()
                object.__setattr__(self, field.name, value)
            check_constraint(
                field.name, value, self.CONSTRAINTS[field.name], self.LABELS.get(field.name)
            )

    def replace(self, **changes: Any) -> EMOptions:
        """A copy with ``changes`` (validated again)."""
        return replace(self, **changes)

    @classmethod
    def resolve(cls, options: EMOptions | None = None, **overrides: Any) -> EMOptions:
        """``options`` (default: all defaults) with every keyword that is not None applied.

        The entry points call this with their keyword arguments, so ``fit(x, 2, tol=1e-8)``
        and ``fit(x, 2, options=EMOptions(tol=1e-8))`` are the same fit.
        """
        if options is not None and not isinstance(options, EMOptions):
            raise TypeError(f"options must be an EMOptions, got {type(options).__name__}")
        unknown = sorted(set(overrides) - {field.name for field in fields(cls)})
        if unknown:
            raise TypeError(
                f"unexpected keyword argument {', '.join(map(repr, unknown))}; the options are "
                + ", ".join(field.name for field in fields(cls))
            )
        base = cls() if options is None else options
        given = {name: value for name, value in overrides.items() if value is not None}
        return base.replace(**given) if given else base
