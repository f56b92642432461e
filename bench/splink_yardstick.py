"""Splink 5 (DuckDB) as the yardstick for the matching engine: its best honest configuration.

Imported by bench/bench_matching.py; also runnable alone to inspect what Splink learnt:

    python bench/splink_yardstick.py --families 3000 --show-model

Fairness rules kept here:
- Same input columns as the engine, normalised by the engine's own functions
  (reunite.matching.normalize / features: casefold, accents, apostrophes, particles, the
  nickname table, country codes, digits of the A-number, the age -> birth-year range).
  Helper columns (phonetic keys, surnames sorted, token arrays, parents' name keys) are
  derived from those same input columns only.
- Trained away from the test data: on a development task of another seed (7, the seed the
  engine's weights were trained on), once unsupervised (EM, as Splink's docs advise) and
  once with the development task's labels (m from true pairs, exactly the information the
  engine's shipped weights were trained with). u always from random sampling.
- Threshold (and the per-description margin) chosen on the development task, never on
  the test data; the trained model is then applied to the test data unchanged (term
  frequencies are computed by Splink on the data it links, as it always does).
- Splink's known failure modes are caught and reported, never fatal: a degenerate column
  (always null / one value) is dropped from the model; an EM session that raises is
  skipped; one that hits max_iterations is reported as not converged (Splink itself
  prints "EM converged" either way); levels it could not train are listed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reunite.matching.evaluate import Evaluation, evaluate  # noqa: E402
from reunite.matching.features import Features, parse_person_name  # noqa: E402
from reunite.matching.names import formal_names  # noqa: E402
from reunite.matching.normalize import name_tokens, phonetic  # noqa: E402
from reunite.matching.record import Record  # noqa: E402
from reunite.matching.synth import LinkTask, link_task  # noqa: E402

DEV_SEED = 7  # the seed the engine's shipped weights were trained on; the benchmark tests on 2018
U_MAX_PAIRS = 5e6
TOP = 5  # the engine's link() keeps at most 5 candidates per description; so does Splink here
THRESHOLDS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
MARGINS = (None, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)  # bits below the description's best candidate


# ---------------------------------------------------------------- input columns
def _arr(values: Iterable[str]) -> list[str] | None:
    out = sorted({v for v in values if v})
    return out or None


def _formal(tokens: Sequence[str]) -> set[str]:
    return {name for t in tokens for name in formal_names(t)}


def splink_rows(records: Sequence[Record], side: str) -> list[dict]:
    """One row per record: the engine's normalised fields plus derived helper columns."""
    rows = []
    for r in records:
        f = Features(r)
        given = list(name_tokens(r.given_names or ""))
        pat = list(name_tokens(r.paternal_surname or ""))
        mat = list(name_tokens(r.maternal_surname or ""))
        if not (given or pat or mat) and f.names:  # full_name / family_names inputs
            given, pat = list(f.names[0][0]), list(f.names[0][1])
        surnames = pat + mat
        formal_given = _formal(given)
        fam_keys, fam_given = set(), set()
        for text in [r.mother_name, r.father_name, *r.related_names]:
            if not text:
                continue
            g_toks, s_toks = parse_person_name(text)
            g_ph = {phonetic(t) for t in _formal(g_toks)}
            fam_given |= g_ph
            fam_keys |= {f"{g}|{phonetic(s)}" for g in g_ph for s in s_toks}
        dob_full = f.dob8 and f"{f.dob[0]:04d}-{f.dob[1]:02d}-{f.dob[2]:02d}"
        lo, hi = f.year_range or (None, None)
        rows.append({
            "unique_id": r.id, "source_dataset": side,
            # given names
            "given_all": " ".join(given) or None,
            "given_first": given[0] if given else None,
            "given_last": given[-1] if given else None,
            "given_last_ph": phonetic(given[-1]) if given else None,
            "given_first_ph": phonetic(given[0]) if given else None,
            "given_formal": _arr(formal_given),
            "given_ph": _arr(phonetic(t) for t in formal_given),
            # surnames
            "sur_pat": " ".join(pat) or None, "sur_mat": " ".join(mat) or None,
            "sur_all": " ".join(surnames) or None,
            "sur_sorted": " ".join(sorted(surnames)) or None,
            "sur_tokens": _arr(surnames),
            "sur_ph": _arr(phonetic(t) for t in surnames),
            "sp1": phonetic(surnames[0]) if surnames else None,
            "sp2": phonetic(surnames[1]) if len(surnames) > 1 else None,
            # date of birth / age
            "dob": dob_full or None,
            "dob_y": f.dob[0] if f.dob else None,
            "dob_m": (f.dob[1] or None) if f.dob else None,
            "dob_d": (f.dob[2] or None) if f.dob else None,
            "year_lo": lo, "year_hi": hi,
            # the rest
            "sex": f.sex or None, "country": f.country or None,
            "a_number": f.ids[0] if f.ids and r.a_number else None,
            "fam_keys": _arr(fam_keys), "fam_given": _arr(fam_given),
        })
    return rows


# ---------------------------------------------------------------- model
def _comparisons(drop: set[str]) -> list:
    """Comparisons with graded levels; `drop` = comparison names left out (degenerate)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def level(sql: str, label: str, tf: str | None = None) -> cll.CustomLevel:
        lv = cll.CustomLevel(sql, label)
        if tf:
            lv = lv.configure(tf_adjustment_column=tf, tf_adjustment_weight=1.0, disable_tf_exact_match_detection=True)
        return lv

    def inter(col: str) -> str:
        return f"len(list_intersect({col}_l, {col}_r))"

    given = cl.CustomComparison(
        output_column_name="given_name",
        comparison_levels=[
            cll.NullLevel("given_all"),
            cll.ExactMatchLevel("given_all", term_frequency_adjustments=True),
            cll.ExactMatchLevel("given_last", term_frequency_adjustments=True)
            .configure(label_for_charts="last given name agrees"),
            level("given_last_ph_l = given_last_ph_r", "last given name sounds alike"),
            cll.JaroWinklerLevel("given_last", 0.88),
            level(f"{inter('given_formal')} >= 1", "a given name or its nickname agrees"),
            level(f"{inter('given_ph')} >= 1", "a given name sounds alike"),
            cll.JaroWinklerLevel("given_all", 0.8),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surnames",
        comparison_levels=[
            cll.NullLevel("sur_all"),
            cll.ExactMatchLevel("sur_all", term_frequency_adjustments=True),
            level("sur_sorted_l = sur_sorted_r", "same surnames, order swapped", tf="sur_sorted"),
            level(f"{inter('sur_tokens')} = least(len(sur_tokens_l), len(sur_tokens_r))",
                  "one surname missing, the other agrees", tf="sur_pat"),
            level(f"{inter('sur_ph')} = least(len(sur_ph_l), len(sur_ph_r))",
                  "surnames sound alike (any order, one may be missing)"),
            cll.JaroWinklerLevel("sur_all", 0.9),
            level(f"{inter('sur_ph')} >= 1", "one surname sounds alike"),
            cll.JaroWinklerLevel("sur_sorted", 0.8),
            cll.ElseLevel(),
        ],
    )
    full = "dob_l is not null and dob_r is not null"
    dob = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("year_lo"),
            cll.ExactMatchLevel("dob").configure(label_for_charts="exact date"),
            level(f"{full} and dob_y_l = dob_y_r and dob_m_l = dob_d_r and dob_d_l = dob_m_r",
                  "day and month swapped"),
            level(f"{full} and damerau_levenshtein(dob_l, dob_r) <= 1", "one-digit typo"),
            level(f"{full} and abs(dob_y_l - dob_y_r) = 1 and dob_m_l = dob_m_r and dob_d_l = dob_d_r",
                  "year off by one"),
            level(f"not ({full}) and year_lo_l <= year_hi_r and year_lo_r <= year_hi_l",
                  "only year / age known, compatible"),
            level(f"{full} and dob_y_l = dob_y_r", "same year, other day"),
            level("year_lo_l <= year_hi_r + 1 and year_lo_r <= year_hi_l + 1", "within a year"),
            cll.ElseLevel(),
        ],
    )
    family = cl.CustomComparison(
        output_column_name="parents",
        comparison_levels=[
            level("fam_keys_l is null or fam_keys_r is null", "no parent named").configure(is_null_level=True),
            level(f"{inter('fam_keys')} >= 1", "a parent's given name and surname agree"),
            level(f"{inter('fam_given')} >= 1", "a parent's given name agrees"),
            cll.ElseLevel(),
        ],
    )
    out = {"given_name": given, "surnames": surname, "date_of_birth": dob, "sex": cl.ExactMatch("sex"),
           "country": cl.ExactMatch("country"), "a_number": cl.ExactMatch("a_number"), "parents": family}
    return [c for name, c in out.items() if name not in drop]


# Which input column each comparison rests on (for the degenerate-column check).
_KEY_COLUMN = {"given_name": "given_all", "surnames": "sur_all", "date_of_birth": "year_lo", "sex": "sex",
               "country": "country", "a_number": "a_number", "parents": "fam_keys"}

PREDICTION_RULES = (
    ("sp1",), ("l.sp1 = r.sp2",), ("l.sp2 = r.sp1",), ("given_last_ph", "dob_y"),
    ("given_first_ph", "sp2"), ("given_last_ph", "substr(sp1, 1, 1)"), ("a_number",), ("dob",),
)
# EM sessions: pairs where true matches are a large share, so EM's "match" class is the same
# child, not the same family (blocking on both surnames alone makes siblings the majority
# and EM learns a family model: F1 0.93). Chosen among five sets by F1 on the dev seed.
EM_RULES = (("given_last_ph", "sp1"), ("dob",), ("a_number",))


def _rule(spec: tuple[str, ...]):
    from splink import block_on

    return spec[0] if len(spec) == 1 and "=" in spec[0] else block_on(*spec)


def settings(drop: set[str], prior: float):
    """The SettingsCreator for link_only between descriptions and the registry."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=prior,
        comparisons=_comparisons(drop),
        blocking_rules_to_generate_predictions=[_rule(r) for r in PREDICTION_RULES],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        max_iterations=25,
    )


def degenerate_columns(rows: list[dict]) -> dict[str, str]:
    """Comparisons whose column is always null, or has a single value, on one side."""
    out = {}
    for name, col in _KEY_COLUMN.items():
        for side in ("descriptions", "registry"):
            values = {repr(r[col]) for r in rows if r["source_dataset"] == side and r[col] is not None}
            if len(values) < 2:
                out[name] = f"{col} has {len(values)} distinct value(s) among the {side}"
    return out


# ---------------------------------------------------------------- runs
@dataclass
class Trained:
    """A trained Splink model (settings dict with m/u), its chosen cut-offs and the log."""

    method: str
    model: dict
    threshold: float = 0.5
    margin: float | None = None
    dev: Evaluation | None = None
    train_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _register(db, rows: list[dict], name: str):
    import pyarrow as pa

    return db.register(pa.Table.from_pylist(rows), table_name=name)


def _linker(task: LinkTask, model, notes: list[str] | None = None):
    from splink import DuckDBAPI, Linker

    rows_l = splink_rows(task.descriptions, "descriptions")
    rows_r = splink_rows(task.registry, "registry")
    db = DuckDBAPI()
    left, right = _register(db, rows_l, "descriptions"), _register(db, rows_r, "registry")
    if model is None:
        bad = degenerate_columns(rows_l + rows_r)
        for name, why in bad.items():
            if notes is not None:
                notes.append(f"dropped degenerate comparison {name}: {why}")
        model = settings(set(bad), prior=1.0 / max(1, len(task.registry)))
    else:
        model = dict(model, probability_two_random_records_match=1.0 / max(1, len(task.registry)))
    return Linker([left, right], model), db


def train(dev: LinkTask, method: str) -> Trained:
    """Train on the development task: method "em" (unsupervised) or "labels"."""
    import pyarrow as pa

    notes: list[str] = []
    started = time.perf_counter()
    linker, db = _linker(dev, None, notes)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    if method == "labels":
        labels = pa.Table.from_pylist([
            {"source_dataset_l": "descriptions", "unique_id_l": a, "source_dataset_r": "registry", "unique_id_r": b}
            for a, b in sorted(dev.truth)
        ])
        db.register(labels, table_name="dev_labels")
        linker.training.estimate_m_from_pairwise_labels("dev_labels")
    else:
        trained_any = False
        for spec in EM_RULES:
            try:
                session = linker.training.estimate_parameters_using_expectation_maximisation(_rule(spec))
            except Exception as exc:  # Splink raises many kinds: report, carry on
                notes.append(f"EM on {spec} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                continue
            trained_any = True
            iterations = len(getattr(session, "_core_model_settings_history", [None, None])) - 1
            if iterations >= 25:
                notes.append(f"EM on {spec} did not converge in 25 iterations")
        if not trained_any:
            notes.append("every EM session failed: m left at Splink's defaults")
    model = linker.misc.save_model_to_json()
    # A level never seen among matches (labels) or left untrained (EM) has m None, and Splink
    # would then score it with a default m. Give it what one half-observation would: small.
    floor_m = 0.5 / max(1, len(dev.truth))
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        if not any(isinstance(lv.get("m_probability"), (int, float)) for lv in levels):
            notes.append(f"no m trained for {comp['output_column_name']}: Splink's default m kept")
            continue
        for lv in levels:
            if not isinstance(lv.get("m_probability"), (int, float)):
                notes.append(f"m not trained for {comp['output_column_name']} / {lv['label_for_charts']}: "
                             f"set to {floor_m:.2g}")
                lv["m_probability"] = floor_m
    out = Trained(method, model, notes=notes)
    # Cut-offs chosen on the development task only, with the model exactly as it is applied.
    candidates = ranked_candidates(_linker(dev, model)[0])
    best = None
    for th in THRESHOLDS:
        for margin in MARGINS:
            ev = evaluate(select(candidates, th, margin), dev.truth)
            if best is None or ev.f1 > best[0].f1:
                best = (ev, th, margin)
    assert best is not None
    out.dev, out.threshold, out.margin = best
    out.train_seconds = time.perf_counter() - started
    return out


_RANKED_SQL = """
    select * from (
        select case when source_dataset_l = 'descriptions' then unique_id_l else unique_id_r end as d,
               case when source_dataset_l = 'descriptions' then unique_id_r else unique_id_l end as r,
               match_weight as w, match_probability as p
        from {this}) t
    qualify row_number() over (partition by d order by w desc, r) <= @LIMIT
"""


def ranked_candidates(linker) -> dict[str, list[tuple[float, float, str]]]:
    """Every blocked pair scored, the best few per description: {desc: [(weight, p, reg)]}."""
    predictions = linker.inference.predict()
    rows = predictions.query_sql(_RANKED_SQL.replace("@LIMIT", str(2 * TOP))).as_record_list()
    out: dict[str, list[tuple[float, float, str]]] = {}
    for row in rows:
        out.setdefault(row["d"], []).append((row["w"], row["p"], row["r"]))
    for cands in out.values():
        cands.sort(key=lambda c: (-c[0], c[2]))
    return out


def select(candidates, threshold: float, margin: float | None, top: int = TOP) -> list[tuple[str, str, float]]:
    """The engine's own selection rule: top N per description, p >= threshold, within margin bits."""
    out = []
    for d, cands in candidates.items():
        best = cands[0][0]
        for w, p, r in cands[:top]:
            if p >= threshold and (margin is None or w >= best - margin):
                out.append((d, r, w))
    return out


def ranked(candidates) -> list[tuple[str, str, float]]:
    return [(d, r, w) for d, cands in candidates.items() for w, _, r in cands]


@dataclass
class Result:
    label: str
    evaluation: Evaluation
    trained: Trained
    predict_seconds: float


def run(task: LinkTask, *, dev_families: int, methods: Sequence[str] = ("em", "labels"),
        dev_seed: int = DEV_SEED) -> list[Result]:
    """Train Splink on a development task, then link `task` with each trained model."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    dev = link_task(dev_families, seed=dev_seed)
    results = []
    for method in methods:
        trained = train(dev, method)
        started = time.perf_counter()
        linker, _ = _linker(task, trained.model)
        candidates = ranked_candidates(linker)
        top5 = evaluate(ranked(candidates), task.truth).recall_at_k
        ev = evaluate(select(candidates, trained.threshold, trained.margin), task.truth)
        ev = Evaluation(ev.true_positives, ev.false_positives, ev.false_negatives, top5)
        elapsed = time.perf_counter() - started
        label = "splink 5 EM" if method == "em" else "splink 5 m from labels"
        results.append(Result(label, ev, trained, elapsed))
    return results


def splink_results(task: LinkTask, line: Callable[[str, Evaluation], None], *, seed: int = DEV_SEED) -> None:
    """The benchmark's Splink section: one line per training method, same task, same run."""
    dev_families = max(400, len({r.id for r in task.registry}) * 3000 // 7251)
    results = run(task, dev_families=dev_families, dev_seed=seed)
    for res in results:
        t = res.trained
        margin = "none" if t.margin is None else f"{t.margin:g} bits"
        line(f"{res.label} ({t.train_seconds:.0f}+{res.predict_seconds:.0f} s)", res.evaluation)
        print(f"  {'':<34} cut-offs from seed {seed}: p >= {t.threshold:g}, margin {margin}, "
              f"top {TOP} (dev F1 {t.dev.f1:.4f})" if t.dev else "")
        for note in t.notes:
            print(f"  {'':<34} note: {note}")


def describe(model: dict) -> str:
    """Per comparison level: m, u and the match weight log2(m/u)."""
    import math

    lines = [f"prior {model.get('probability_two_random_records_match'):.3g}"]
    for comp in model["comparisons"]:
        lines.append(comp["output_column_name"])
        for lv in comp["comparison_levels"]:
            if lv.get("is_null_level"):
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            w = f"{math.log2(m / u):+6.2f}" if m and u else "   n/a"
            tf = f"  tf({lv['tf_adjustment_column']})" if lv.get("tf_adjustment_column") else ""
            lines.append(f"  {lv.get('label_for_charts', '')[:60]:<60} m {m if m is None else f'{m:.4f}'}  "
                         f"u {u if u is None else f'{u:.5f}'}  w {w}{tf}")
    return "\n".join(lines)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2018, help="test seed")
    parser.add_argument("--dev-seed", type=int, default=DEV_SEED)
    parser.add_argument("--method", choices=("em", "labels", "both"), default="both")
    parser.add_argument("--show-model", action="store_true", help="print the learnt m/u per level")
    args = parser.parse_args()
    task = link_task(args.families, seed=args.seed)
    methods = ("em", "labels") if args.method == "both" else (args.method,)
    for res in run(task, dev_families=args.families, methods=methods, dev_seed=args.dev_seed):
        e, t = res.evaluation, res.trained
        print(f"{res.label}: F1 {e.f1:.4f} precision {e.precision:.4f} recall {e.recall:.4f} "
              f"top-5 recall {e.recall_at_k[5]:.4f}  (train {t.train_seconds:.1f} s, link {res.predict_seconds:.1f} s; "
              f"p >= {t.threshold:g}, margin {t.margin}; dev F1 {t.dev.f1 if t.dev else float('nan'):.4f})")
        for note in t.notes:
            print("  note:", note)
        if args.show_model:
            print(describe(t.model))


if __name__ == "__main__":
    main()
