"""Precision, recall, F1 and recall@k of candidate pairs against ground truth."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Pair-level quality of a linkage."""

    true_positives: int
    false_positives: int
    false_negatives: int
    recall_at_k: dict[int, float]

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were predicted."""
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> str:
        """One line per metric."""
        lines = [
            f"precision {self.precision:.4f}", f"recall    {self.recall:.4f}", f"F1        {self.f1:.4f}",
            f"pairs     tp={self.true_positives} fp={self.false_positives} fn={self.false_negatives}",
        ]
        lines += [f"recall@{k:<3} {v:.4f}" for k, v in sorted(self.recall_at_k.items())]
        return "\n".join(lines)


def evaluate(
    predicted: Iterable[tuple[str, str, float]],
    truth: Iterable[tuple[str, str]],
    *,
    ks: tuple[int, ...] = (1, 5, 10),
    symmetric: bool = False,
) -> Evaluation:
    """Score predicted (left, right, score) pairs against true (left, right) pairs.

    recall@k: share of true pairs whose right record is among the k best-scored
    candidates of its left record. `symmetric` treats (a, b) and (b, a) as one pair
    (for de-duplication).
    """
    def norm(a: str, b: str) -> tuple[str, str]:
        return (min(a, b), max(a, b)) if symmetric else (a, b)

    true_pairs = {norm(a, b) for a, b in truth}
    by_left: dict[str, list[tuple[float, str]]] = defaultdict(list)
    pred_pairs: set[tuple[str, str]] = set()
    for a, b, s in predicted:
        pair = norm(a, b)
        if pair in pred_pairs:
            continue
        pred_pairs.add(pair)
        by_left[pair[0]].append((s, pair[1]))
    tp = len(pred_pairs & true_pairs)
    ranks: dict[tuple[str, str], int] = {}
    for left, cands in by_left.items():
        cands.sort(key=lambda c: -c[0])
        for rank, (_, right) in enumerate(cands, 1):
            ranks[(left, right)] = rank
    recall_at = {
        k: (sum(1 for p in true_pairs if ranks.get(p, k + 1) <= k) / len(true_pairs) if true_pairs else 1.0)
        for k in ks
    }
    return Evaluation(tp, len(pred_pairs) - tp, len(true_pairs) - tp, recall_at)
