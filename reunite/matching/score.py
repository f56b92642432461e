"""Fellegi-Sunter scoring: per-level m/u probabilities -> Bayes factors -> probability.

match_weight = log2(prior odds) + sum over comparisons of log2(m / u) for the level
observed; match_probability = 2^w / (1 + 2^w). A null level (missing data) adds 0.

Term-frequency adjustment: when given names (or surnames) agree exactly, how strong that
is depends on the value. Two records both saying "María" are weak evidence; both saying
"Floridalma" strong. With TermFrequencies (the share of the searched records holding each
value, counted by the Index from the records it holds), the exact level's u is replaced by
the value's own u = its share, so the weight is log2(m_exact / share) instead of
log2(m_exact / u_exact). Without frequencies (single-pair `score_pair`, the Django
adapter) the level's u is used, as before.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .compare import (
    COMPARISON_BY_NAME,
    COMPARISONS,
    FAMILY_IF_SURNAMES_AGREE,
    SURNAMES_AGREE,
    Comparison,
)
from .errors import WeightsError
from .explain import contribution_text, summary
from .features import DEFAULT_REFERENCE_YEAR, Features
from .record import Record

DEFAULT_WEIGHTS = "weights-v2.json"
SHIPPED_WEIGHTS = ("weights-v1.json", "weights-v2.json")


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
    """A trained, versioned model: prior and m/u per comparison level.

    `conditional` holds m/u of a comparison's levels estimated on a subset of pairs, used
    instead of the plain ones there: "family|surnames_agree" (v2 on) is the family
    comparison among pairs whose surnames agree. A v1 file has none.
    """

    version: str
    prior: float
    m_u: dict[str, dict[str, tuple[float, float]]]
    meta: dict[str, Any]
    conditional: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Weights:
        """Load a weights JSON file (default: the shipped model; "weights-v1.json" also loads v1)."""
        try:
            if path is None or str(path) in SHIPPED_WEIGHTS:
                name = DEFAULT_WEIGHTS if path is None else str(path)
                text = resources.files("reunite.matching.data").joinpath(name).read_text("utf-8")
            else:
                text = Path(path).read_text("utf-8")
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise WeightsError(f"cannot read weights {path or DEFAULT_WEIGHTS}: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        """Validate and build from the JSON structure (see data/weights-v2.json)."""
        try:
            prior = float(data["prior"])
            m_u = {name: _levels(name, spec) for name, spec in data["comparisons"].items()}
            conditional = {}
            for key, spec in data.get("conditional", {}).items():
                if key != FAMILY_IF_SURNAMES_AGREE:
                    raise WeightsError(f"weights name an unknown conditional {key!r}")
                conditional[key] = _levels(key.split("|")[0], spec)
        except (KeyError, TypeError, ValueError) as exc:
            raise WeightsError(f"malformed weights: {exc}") from exc
        if not 0 < prior < 1:
            raise WeightsError("prior must be in (0, 1)")
        meta = {k: v for k, v in data.items() if k not in ("prior", "comparisons", "conditional")}
        return cls(version=str(data.get("model_version", "?")), prior=prior, m_u=m_u, meta=meta,
                   conditional=conditional)

    def to_dict(self) -> dict[str, Any]:
        """The JSON structure, ready to dump."""
        out: dict[str, Any] = dict(self.meta)
        out["model_version"] = self.version
        out["prior"] = self.prior
        out["comparisons"] = {
            name: {"levels": {lv: {"m": round(m, 6), "u": round(u, 8)} for lv, (m, u) in levels.items()}}
            for name, levels in self.m_u.items()
        }
        if self.conditional:
            out["conditional"] = {
                key: {"levels": {lv: {"m": round(m, 6), "u": round(u, 8)} for lv, (m, u) in levels.items()}}
                for key, levels in self.conditional.items()
            }
        return out


def _levels(name: str, spec: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Validated {level: (m, u)} of one comparison's JSON spec."""
    if name not in COMPARISON_BY_NAME:
        raise WeightsError(f"weights name an unknown comparison {name!r}")
    levels = {}
    for level, mu in spec["levels"].items():
        COMPARISON_BY_NAME[name].level_index(level)
        m, u = float(mu["m"]), float(mu["u"])
        if not (0 < m <= 1 and 0 < u <= 1):
            raise WeightsError(f"{name}.{level}: m and u must be in (0, 1]")
        levels[level] = (m, u)
    return levels


def _given_key(a: Features, b: Features) -> str:
    """The exact given-name value two records share on their primary names ("" if none)."""
    if a.names and b.names:
        ga, gb = a.names[0][0], b.names[0][0]
        if ga and gb:
            ka, kb = "".join(ga), "".join(gb)
            if ka == kb:
                return ka
    return ""


def _surname_key(a: Features, b: Features) -> str:
    """The exact surname value two records share on their primary names ("" if none)."""
    if a.names and b.names:
        sa, sb = a.names[0][1], b.names[0][1]
        if sa and sb:
            ka, kb = "".join(sa), "".join(sb)
            if ka == kb:
                return ka
    return ""


class TermFrequencies:
    """How many of the searched records hold each given-name and surname value.

    Keys are the name tokens joined without spaces (the form the exact levels compare).
    Counted from the records an Index holds (the registry side), never from the query.
    """

    __slots__ = ("given", "surname", "total")

    def __init__(self) -> None:
        self.given: Counter[str] = Counter()
        self.surname: Counter[str] = Counter()
        self.total = 0

    def add(self, f: Features) -> None:
        """Count the primary name of one record."""
        self.total += 1
        if f.names:
            given, surnames = f.names[0]
            if given:
                self.given["".join(given)] += 1
            if surnames:
                self.surname["".join(surnames)] += 1

    def share(self, field: str, value: str) -> float:
        """Share of the records holding `value` (at least one record's worth)."""
        counts = self.given if field == "given_name" else self.surname
        return max(counts.get(value, 0), 1) / max(self.total, 1)


_FAMILY = [c.name for c in COMPARISONS].index("family")

# Bits by which a term-frequency adjustment must move a weight before the explanation
# calls the value common or rare.
_TF_WORDS = 0.5
_TF_NOUN = {"given_name": "given name", "surname": "surname"}


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
        term_frequencies: TermFrequencies | None = None,
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
        # Family weights when the surnames agree (relatives and surnames are shared by
        # siblings and cousins alike): the conditional m/u, else the plain row.
        family = COMPARISON_BY_NAME["family"]
        cond = self.weights.conditional.get(FAMILY_IF_SURNAMES_AGREE, {})
        self.family_if_surnames_agree: tuple[float, ...] = tuple(
            0.0 if i == 0 else math.log2(cond[lv.name][0] / cond[lv.name][1]) if lv.name in cond else plain
            for i, (lv, plain) in enumerate(zip(family.levels, self.table[_FAMILY], strict=True))
        )
        self._fns_mid = self._fns[2:_FAMILY]
        self._fns_end = self._fns[_FAMILY + 1:]
        self.term_frequencies = term_frequencies
        self._tf_cache: dict[tuple[int, str], float] = {}
        self._m_exact = tuple(self._m_of(name, "exact") for name in ("given_name", "surname"))
        self._u_exact = tuple(self._u_of(name, "exact") for name in ("given_name", "surname"))

    def _m_of(self, comparison: str, level: str) -> float:
        return self.weights.m_u.get(comparison, {}).get(level, (0.0, 1.0))[0]

    def _u_of(self, comparison: str, level: str) -> float:
        return self.weights.m_u.get(comparison, {}).get(level, (0.0, 1.0))[1]

    def with_term_frequencies(self, term_frequencies: TermFrequencies | None) -> Scorer:
        """The same model and prior, with term-frequency adjustment from these counts."""
        return Scorer(self.weights, prior=self.prior, reference_year=self.reference_year,
                      term_frequencies=term_frequencies)

    def tf_adjustment(self, c: int, value: str) -> float:
        """Bits added to the exact level of comparison `c` (0 given, 1 surname) for `value`."""
        tf = self.term_frequencies
        if tf is None or not value or not self._m_exact[c]:
            return 0.0
        key = (c, value)
        found = self._tf_cache.get(key)
        if found is None:
            share = tf.share(COMPARISONS[c].name, value)
            found = self._tf_cache[key] = math.log2(self._u_exact[c] / share)
        return found

    def features(self, record: Record) -> Features:
        """Prepared features of a record for this scorer's reference year."""
        return Features(record, self.reference_year)

    def weight(self, a: Features, b: Features) -> float:
        """Total match weight (log2 odds) of two prepared records: the fast path."""
        (gfn, grow), (sfn, srow) = self._fns[0], self._fns[1]
        given = gfn(a, b)
        surname = sfn(a, b)
        w = self.prior_weight + grow[given] + srow[surname]
        if self.term_frequencies is not None:
            if given == 1:
                w += self.tf_adjustment(0, _given_key(a, b))
            if surname == 1:
                w += self.tf_adjustment(1, _surname_key(a, b))
        for fn, row in self._fns_mid:
            w += row[fn(a, b)]
        ffn, frow = self._fns[_FAMILY]
        w += (self.family_if_surnames_agree if surname in SURNAMES_AGREE else frow)[ffn(a, b)]
        for fn, row in self._fns_end:
            w += row[fn(a, b)]
        return w

    def match(self, a: Features, b: Features) -> Match:
        """Full result with per-comparison contributions and explanation."""
        contributions = []
        total = self.prior_weight
        surname = 0
        for c, (comparison, row) in enumerate(zip(COMPARISONS, self.table, strict=True)):
            level = comparison.fn(a, b)
            qualifier = ""
            if c == 1:
                surname = level
            if c == _FAMILY and surname in SURNAMES_AGREE:
                row = self.family_if_surnames_agree
                if level and abs(row[level] - self.table[c][level]) >= _TF_WORDS:
                    qualifier = "the surnames already agree"
            weight = row[level]
            if c < 2 and level == 1 and self.term_frequencies is not None:
                adjustment = self.tf_adjustment(c, (_given_key if c == 0 else _surname_key)(a, b))
                weight += adjustment
                if adjustment <= -_TF_WORDS:
                    qualifier = f"common {_TF_NOUN[comparison.name]}"
                elif adjustment >= _TF_WORDS:
                    qualifier = f"rare {_TF_NOUN[comparison.name]}"
            total += weight
            contributions.append(_contribution(comparison, level, weight, qualifier))
        return Match(a.id, b.id, total, probability(total), tuple(contributions))

    def score(self, a: Record, b: Record) -> Match:
        """Score two records (normalising both)."""
        return self.match(self.features(a), self.features(b))


def _contribution(comparison: Comparison, level: int, weight: float, qualifier: str = "") -> Contribution:
    return Contribution(
        comparison.name, comparison.levels[level].name, weight,
        contribution_text(comparison, level, weight, qualifier),
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
