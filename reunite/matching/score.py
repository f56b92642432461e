"""Fellegi-Sunter scoring: per-level m/u probabilities -> Bayes factors -> probability.

match_weight = log2(prior odds) + sum over comparisons of log2(m / u) for the level
observed; match_probability = 2^w / (1 + 2^w). A null level (missing data) adds 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .compare import COMPARISON_BY_NAME, COMPARISONS, Comparison
from .errors import WeightsError
from .explain import contribution_text, summary
from .features import DEFAULT_REFERENCE_YEAR, Features
from .record import Record

DEFAULT_WEIGHTS = "weights-v1.json"


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one comparison added to a score."""

    field: str
    level: str
    weight: float
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """A scored pair with its evidence."""

    left_id: str
    right_id: str
    match_weight: float
    match_probability: float
    contributions: tuple[Contribution, ...]

    @property
    def explanation(self) -> str:
        """Verdict and the non-null evidence, strongest first, in words."""
        evidence = sorted(
            (c for c in self.contributions if c.level != "null"), key=lambda c: -abs(c.weight)
        )
        return summary(self.match_probability, [c.text for c in evidence])


@dataclass(frozen=True, slots=True)
class Weights:
    """A trained, versioned model: prior and m/u per comparison level."""

    version: str
    prior: float
    m_u: dict[str, dict[str, tuple[float, float]]]
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Weights:
        """Load a weights JSON file (default: the shipped weights-v1.json)."""
        try:
            if path is None:
                text = resources.files("reunite.matching.data").joinpath(DEFAULT_WEIGHTS).read_text("utf-8")
            else:
                text = Path(path).read_text("utf-8")
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise WeightsError(f"cannot read weights {path or DEFAULT_WEIGHTS}: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        """Validate and build from the JSON structure (see data/weights-v1.json)."""
        try:
            prior = float(data["prior"])
            m_u: dict[str, dict[str, tuple[float, float]]] = {}
            for name, spec in data["comparisons"].items():
                if name not in COMPARISON_BY_NAME:
                    raise WeightsError(f"weights name an unknown comparison {name!r}")
                levels = {}
                for level, mu in spec["levels"].items():
                    COMPARISON_BY_NAME[name].level_index(level)
                    m, u = float(mu["m"]), float(mu["u"])
                    if not (0 < m <= 1 and 0 < u <= 1):
                        raise WeightsError(f"{name}.{level}: m and u must be in (0, 1]")
                    levels[level] = (m, u)
                m_u[name] = levels
        except (KeyError, TypeError, ValueError) as exc:
            raise WeightsError(f"malformed weights: {exc}") from exc
        if not 0 < prior < 1:
            raise WeightsError("prior must be in (0, 1)")
        meta = {k: v for k, v in data.items() if k not in ("prior", "comparisons")}
        return cls(version=str(data.get("model_version", "?")), prior=prior, m_u=m_u, meta=meta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON structure, ready to dump."""
        out: dict[str, Any] = dict(self.meta)
        out["model_version"] = self.version
        out["prior"] = self.prior
        out["comparisons"] = {
            name: {"levels": {lv: {"m": round(m, 6), "u": round(u, 8)} for lv, (m, u) in levels.items()}}
            for name, levels in self.m_u.items()
        }
        return out


class Scorer:
    """Scores pairs of records with a Weights model; thread-safe and reusable.

    `prior` overrides the model's prior: the chance that two random records are the same
    person, which depends on the size of the list searched.
    """

    def __init__(
        self,
        weights: Weights | None = None,
        *,
        prior: float | None = None,
        reference_year: int = DEFAULT_REFERENCE_YEAR,
    ) -> None:
        self.weights = weights or Weights.load()
        self.reference_year = reference_year
        self.prior = prior if prior is not None else self.weights.prior
        self.prior_weight = math.log2(self.prior / (1 - self.prior))
        # table[c][level] = log2(m/u); null (level 0) and levels the model lacks weigh 0.
        self.table: tuple[tuple[float, ...], ...] = tuple(
            tuple(
                0.0 if i == 0 or lv.name not in self.weights.m_u.get(c.name, {})
                else math.log2(self.weights.m_u[c.name][lv.name][0] / self.weights.m_u[c.name][lv.name][1])
                for i, lv in enumerate(c.levels)
            )
            for c in COMPARISONS
        )
        self._fns = tuple((c.fn, row) for c, row in zip(COMPARISONS, self.table, strict=True))

    def features(self, record: Record) -> Features:
        """Prepared features of a record for this scorer's reference year."""
        return Features(record, self.reference_year)

    def weight(self, a: Features, b: Features) -> float:
        """Total match weight (log2 odds) of two prepared records: the fast path."""
        w = self.prior_weight
        for fn, row in self._fns:
            w += row[fn(a, b)]
        return w

    def match(self, a: Features, b: Features) -> Match:
        """Full result with per-comparison contributions and explanation."""
        contributions = []
        total = self.prior_weight
        for comparison, row in zip(COMPARISONS, self.table, strict=True):
            level = comparison.fn(a, b)
            weight = row[level]
            total += weight
            contributions.append(_contribution(comparison, level, weight))
        return Match(a.id, b.id, total, probability(total), tuple(contributions))

    def score(self, a: Record, b: Record) -> Match:
        """Score two records (normalising both)."""
        return self.match(self.features(a), self.features(b))


def _contribution(comparison: Comparison, level: int, weight: float) -> Contribution:
    return Contribution(
        comparison.name, comparison.levels[level].name, weight, contribution_text(comparison, level, weight)
    )


def probability(weight: float) -> float:
    """log2 odds -> probability, without overflow."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0 ** -min(weight, 1000.0))
    odds = 2.0 ** max(weight, -1000.0)
    return odds / (1.0 + odds)


_default: Scorer | None = None


def default_scorer() -> Scorer:
    """A process-wide Scorer with the shipped weights (built on first use)."""
    global _default
    if _default is None:
        _default = Scorer()
    return _default


def score_pair(a: Record, b: Record) -> Match:
    """Score two records with the shipped model."""
    return default_scorer().score(a, b)
