"""Predict, then reveal: the rules of the guessing game, pure (no streamlit; unit-tested).

Before an M-step the student says where each μ_k will move (types the values, or picks one of
three candidate sets in lecture mode); before an E-step, which component owns a highlighted
point x_n (the k with the largest γ(z_nk)). The step then reveals the answer.

Scoring: a mean guess earns one point per component within ``HIT_FRACTION`` of that component's
actual move, or within ``HIT_SCALE`` × the data's sd when the move is tiny, divided by K (so a
guess scores 0 … 1); a candidate pick and an owner guess score 1 or 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gmm_core import MixtureParams, e_step

__all__ = [
    "HIT_FRACTION",
    "HIT_SCALE",
    "Candidates",
    "MeanResult",
    "Score",
    "candidate_means",
    "owner_result",
    "pick_point",
    "score_means",
]

#: A guessed μ_k is right within this fraction of the component's actual move …
HIT_FRACTION = 0.25
#: … or within this fraction of the data's standard deviation (for small moves).
HIT_SCALE = 0.02
#: Candidate points examined when choosing the point to ask about.
POINTS_EXAMINED = 2000
#: The point asked about is the examined one whose largest γ is nearest this (not obvious).
TARGET_CERTAINTY = 0.75


@dataclass(frozen=True)
class MeanResult:
    """How a guess of the new means fared.

    Attributes
    ----------
    guess, answer : ndarray, shape (K,)
    errors : ndarray, shape (K,)
        guess − answer.
    hits : ndarray of bool, shape (K,)
    points : float
        Fraction of components hit, 0 … 1.
    """

    guess: np.ndarray
    answer: np.ndarray
    errors: np.ndarray
    hits: np.ndarray
    points: float


def score_means(guess: np.ndarray, old: np.ndarray, new: np.ndarray, scale: float) -> MeanResult:
    """Score a guess of μ^new (all shape (K,)); ``scale`` is the data's standard deviation."""
    guess, old, new = (np.asarray(a, dtype=np.float64) for a in (guess, old, new))
    if not guess.shape == old.shape == new.shape:
        raise ValueError("the guess needs one value per component")
    if not np.all(np.isfinite(guess)):
        raise ValueError("every guessed μ_k must be a finite number")
    errors = guess - new
    allowed = np.maximum(HIT_FRACTION * np.abs(new - old), HIT_SCALE * scale)
    hits = np.abs(errors) <= allowed
    return MeanResult(guess, new, errors, hits, float(hits.mean()))


@dataclass(frozen=True)
class Candidates:
    """Three candidate sets of new means, one of them right.

    Attributes
    ----------
    means : ndarray, shape (3, K)
        Candidates A, B, C.
    correct : int
        Index of the right one.
    """

    means: np.ndarray
    correct: int


#: The wrong candidates, as multiples of each component's move added to the right answer; one
#: pair is drawn per question, so the right answer is not always the middle one. −1 is "the
#: means stay where they are".
DISTRACTORS = ((-1.0, 1.5), (-2.0, 1.5), (1.5, 3.0), (-1.0, -2.5))


def candidate_means(old: np.ndarray, new: np.ndarray, scale: float, seed: int) -> Candidates:
    """The right new means and two wrong ones, in an order fixed by ``seed``.

    Wrong ones: the right answer plus a multiple (a pair from ``DISTRACTORS``, drawn with
    ``seed``) of each component's move; a move smaller than 0.2 × ``scale`` counts as
    0.2 × ``scale`` (in its direction), so the three stay apart even near convergence.
    """
    old, new = np.asarray(old, dtype=np.float64), np.asarray(new, dtype=np.float64)
    move = new - old
    floor = 0.2 * scale
    step = np.where(np.abs(move) < floor, np.where(move < 0, -floor, floor), move)
    rng = np.random.default_rng(seed)
    a, b = DISTRACTORS[int(rng.integers(len(DISTRACTORS)))]
    options = np.stack([new, new + a * step, new + b * step])
    order = rng.permutation(3)
    return Candidates(options[order], int(np.flatnonzero(order == 0)[0]))


def owner_result(guess: int, resp_row: np.ndarray) -> bool:
    """Whether component ``guess`` (0-based) has the largest γ(z_nk) in ``resp_row`` (K,)."""
    return int(guess) == int(np.argmax(resp_row))


def pick_point(x: np.ndarray, params: MixtureParams, seed: int) -> int:
    """The index of a point worth asking about: among up to ``POINTS_EXAMINED`` drawn with
    ``seed``, the one whose largest responsibility is nearest ``TARGET_CERTAINTY``."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(x.size, size=min(POINTS_EXAMINED, x.size), replace=False)
    resp, _ = e_step(x[idx], params)
    return int(idx[np.argmin(np.abs(resp.max(axis=1) - TARGET_CERTAINTY))])


@dataclass(frozen=True)
class Score:
    """The running score.

    Attributes
    ----------
    points : float
        Sum of the points earned.
    attempts : int
        Guesses revealed.
    """

    points: float = 0.0
    attempts: int = 0

    def add(self, points: float) -> Score:
        """The score after one more revealed guess worth ``points`` (0 … 1)."""
        if not 0.0 <= points <= 1.0:
            raise ValueError(f"a guess is worth 0 to 1 point, got {points}")
        return replace(self, points=self.points + points, attempts=self.attempts + 1)

    @property
    def text(self) -> str:
        """E.g. "2.5 / 4 (62 %)"; "no guesses yet" before any."""
        if self.attempts == 0:
            return "no guesses yet"
        return f"{self.points:g} / {self.attempts} ({self.points / self.attempts:.0%})"
