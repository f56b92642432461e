"""Wording of scores for people who are not statisticians."""

from __future__ import annotations

from .compare import Comparison


def contribution_text(comparison: Comparison, level: int, weight: float, qualifier: str = "") -> str:
    """One sentence per comparison, e.g. 'Birth dates match with day and month swapped (+4.1)'.

    `qualifier` says why the weight differs from the level's usual one, e.g. "common
    surname": 'Surnames match exactly (common surname) (+5.1)'.
    """
    text = comparison.levels[level].text
    if qualifier:
        text = f"{text} ({qualifier})"
    if level == 0:
        return f"{text} (no evidence)"
    return f"{text} ({weight:+.1f})"


def probability_words(probability: float) -> str:
    """A plain-language band for a match probability."""
    if probability >= 0.99:
        return "almost certainly the same person"
    if probability >= 0.9:
        return "very likely the same person"
    if probability >= 0.5:
        return "probably the same person"
    if probability >= 0.1:
        return "possibly the same person; check carefully"
    return "probably not the same person"


def summary(probability: float, texts: list[str]) -> str:
    """The explanation column of a pairs file: verdict first, then the evidence."""
    return f"{probability:.1%}: {probability_words(probability)}. " + "; ".join(texts)
