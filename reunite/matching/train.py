"""Estimating m/u probabilities: from labelled pairs, or by EM on unlabelled pairs.

m = P(level | same person), u = P(level | different people), both counted over pairs
where the comparison is not null. Laplace-style smoothing (see _smoothed) keeps
every probability strictly between 0 and 1, so a column that always agrees, never
agrees or is always missing yields finite, harmless weights instead of a crash.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from .compare import COMPARISONS, FAMILY_IF_SURNAMES_AGREE, SURNAMES_AGREE, compare_levels
from .features import Features
from .score import Weights

MODEL_VERSION = "2.0"

_SURNAME = [c.name for c in COMPARISONS].index("surname")
_FAMILY = [c.name for c in COMPARISONS].index("family")

# Smallest m a level may get, whatever the training data says: an error rate the data
# cannot show. The synthetic generator never records sex wrong, so labelled training
# gives "sex differs" m = 1/3600 (-10.8 bits, a veto). Real custody lists do get sex
# wrong (guessed from a name or a photo); at least 1 in 100 true pairs is assumed,
# which caps the penalty at about -5.6 bits.
MIN_M = {("sex", "disagree"): 0.01}


def _smoothed(m_counts: list[float], u_counts: list[float], alpha: float) -> tuple[list[float], list[float]]:
    """Smoothed m and u distributions over non-null levels (index 0, null, is excluded).

    Both sides get the same pseudo-*frequency* (alpha counts on the smaller sample, the
    proportional amount on the larger), so a level seen on neither side weighs 0 and a
    level seen on one side only gets a finite weight bounded by the smaller sample.
    """
    m_levels, u_levels = m_counts[1:], u_counts[1:]
    n_m, n_u = sum(m_levels), sum(u_levels)
    freq = alpha / max(1.0, min(n_m, n_u) if n_m and n_u else max(n_m, n_u, 1.0))

    def dist(levels: list[float], n: float) -> list[float]:
        if n <= 0:
            return [1.0 / len(levels)] * len(levels)
        pseudo = freq * n
        return [(c + pseudo) / (n + pseudo * len(levels)) for c in levels]

    return dist(m_levels, n_m), dist(u_levels, n_u)


def weights_from_counts(
    m_counts: Sequence[list[float]], u_counts: Sequence[list[float]], *, prior: float,
    alpha: float = 1.0, meta: dict[str, object] | None = None,
    family_counts: tuple[list[float], list[float]] | None = None,
) -> Weights:
    """Build Weights from per-comparison level counts among matches and non-matches.

    `family_counts`: family level counts (matches, non-matches) among pairs whose surnames
    agree, for the conditional family weights.
    """
    m_u: dict[str, dict[str, tuple[float, float]]] = {}
    for comparison, mc, uc in zip(COMPARISONS, m_counts, u_counts, strict=True):
        m_u[comparison.name] = _level_table(comparison, mc, uc, alpha)
    conditional = {}
    if family_counts is not None:
        family = COMPARISONS[_FAMILY]
        conditional[FAMILY_IF_SURNAMES_AGREE] = _level_table(family, family_counts[0], family_counts[1], alpha)
    prior = min(max(prior, 1e-9), 0.5)
    return Weights(version=MODEL_VERSION, prior=prior, m_u=m_u, meta=dict(meta or {}), conditional=conditional)


def _level_table(comparison, m_counts: list[float], u_counts: list[float], alpha: float) -> dict[str, tuple[float, float]]:
    """{level: (m, u)} smoothed, with the MIN_M floors applied (m renormalised)."""
    ms, us = _smoothed(m_counts, u_counts, alpha)
    names = [lv.name for lv in comparison.levels[1:]]
    floors = [MIN_M.get((comparison.name, name), 0.0) for name in names]
    if any(m < f for m, f in zip(ms, floors, strict=True)):
        raised = [max(m, f) for m, f in zip(ms, floors, strict=True)]
        extra = sum(raised) - 1.0
        free = sum(m for m, f in zip(raised, floors, strict=True) if m > f)
        ms = [m if m <= f else m - extra * m / free for m, f in zip(raised, floors, strict=True)]
    return {name: (m, u) for name, m, u in zip(names, ms, us, strict=True)}


def _empty() -> list[list[float]]:
    return [[0.0] * len(c.levels) for c in COMPARISONS]


def count_levels(levels: Sequence[tuple[int, ...]]) -> list[list[float]]:
    """Per comparison, how often each level occurs."""
    counts = _empty()
    for row in levels:
        for c, level in enumerate(row):
            counts[c][level] += 1
    return counts


def family_counts_if_surnames_agree(matches: Sequence[tuple[int, ...]], others: Sequence[tuple[int, ...]]
                                    ) -> tuple[list[float], list[float]]:
    """Family level counts among matches and non-matches whose surnames agree."""
    n = len(COMPARISONS[_FAMILY].levels)
    out = ([0.0] * n, [0.0] * n)
    for counts, rows in zip(out, (matches, others), strict=True):
        for row in rows:
            if row[_SURNAME] in SURNAMES_AGREE:
                counts[row[_FAMILY]] += 1
    return out


def estimate_from_labels(
    pairs: Sequence[tuple[Features, Features]], labels: Sequence[bool], *, prior: float | None = None,
    alpha: float = 1.0, meta: dict[str, object] | None = None,
) -> Weights:
    """m from the pairs labelled True, u from those labelled False."""
    matches = [compare_levels(a, b) for (a, b), same in zip(pairs, labels, strict=True) if same]
    others = [compare_levels(a, b) for (a, b), same in zip(pairs, labels, strict=True) if not same]
    if prior is None:
        prior = (len(matches) + 1) / (len(pairs) + 2)
    return weights_from_counts(count_levels(matches), count_levels(others), prior=prior, alpha=alpha, meta=meta,
                               family_counts=family_counts_if_surnames_agree(matches, others))


def em(
    levels: Sequence[tuple[int, ...]], start: Weights, *, iterations: int = 30, alpha: float = 1.0,
    fix_u: bool = True, tolerance: float = 1e-6,
) -> Weights:
    """Expectation-maximisation on unlabelled comparison vectors.

    Starts from `start`; with `fix_u` only m and the prior move (u is best estimated
    from random pairs, as Splink does). Stops when the prior changes less than
    `tolerance`; always returns finite weights.
    """
    table = [
        [(start.m_u.get(c.name, {}).get(lv.name, (0.5, 0.5))) for lv in c.levels] for c in COMPARISONS
    ]
    prior = start.prior
    for _ in range(iterations):
        m_counts, u_counts = _empty(), _empty()
        total_p = 0.0
        for row in levels:
            log_m = math.log(prior)
            log_u = math.log(1 - prior)
            for c, level in enumerate(row):
                if level:
                    m, u = table[c][level]
                    log_m += math.log(m)
                    log_u += math.log(u)
            p = 1.0 / (1.0 + math.exp(min(700.0, log_u - log_m)))
            total_p += p
            for c, level in enumerate(row):
                m_counts[c][level] += p
                u_counts[c][level] += 1 - p
        new_prior = min(max((total_p + 1) / (len(levels) + 2), 1e-9), 0.5)
        for c, comparison in enumerate(COMPARISONS):
            ms, us = _smoothed(m_counts[c], u_counts[c], alpha)
            for i in range(1, len(comparison.levels)):
                table[c][i] = (ms[i - 1], table[c][i][1] if fix_u else us[i - 1])
        converged = abs(new_prior - prior) < tolerance
        prior = new_prior
        if converged:
            break
    m_u = {c.name: {lv.name: table[i][j] for j, lv in enumerate(c.levels) if j} for i, c in enumerate(COMPARISONS)}
    meta = dict(start.meta)
    meta["training"] = {"method": "EM on unlabelled pairs", "pairs": len(levels), "fixed_u": fix_u}
    # EM moves the plain tables only; conditional ones (if any) are kept from `start`.
    return Weights(version=start.version, prior=prior, m_u=m_u, meta=meta, conditional=dict(start.conditional))


def train_synthetic(families: int = 3000, *, seed: int = 7, random_pairs: int = 200_000) -> Weights:
    """Labelled training on a synthetic link task (a seed distinct from the benchmark's).

    m: the true description-registry pairs. u: random description-registry pairs, the
    classical Fellegi-Sunter estimate. prior: true pairs / all possible pairs.
    """
    from .synth import link_task

    task = link_task(families, seed=seed)
    desc = {r.id: Features(r) for r in task.descriptions}
    reg = {r.id: Features(r) for r in task.registry}
    matches = [compare_levels(desc[a], reg[b]) for a, b in task.truth]
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not secrets
    d_ids, r_ids = list(desc), list(reg)
    others = []
    for _ in range(random_pairs):
        a, b = rng.choice(d_ids), rng.choice(r_ids)
        if (a, b) not in task.truth:
            others.append(compare_levels(desc[a], reg[b]))
    prior = len(task.truth) / (len(d_ids) * len(r_ids))
    meta = {
        "name": "reunite-fellegi-sunter",
        "training": {
            "method": "labelled synthetic pairs: m from true pairs, u from random pairs, smoothing alpha=1; "
                      "family m/u also among the pairs whose surnames agree (conditional); m floors: "
                      + ", ".join(f"{c}.{lv} >= {v}" for (c, lv), v in MIN_M.items()),
            "generator": "reunite.matching.synth.link_task", "families": families, "seed": seed,
            "true_pairs": len(matches), "random_pairs": len(others),
            "prior": "true pairs / (descriptions x registry)",
        },
    }
    return weights_from_counts(count_levels(matches), count_levels(others), prior=prior, meta=meta,
                               family_counts=family_counts_if_surnames_agree(matches, others))
