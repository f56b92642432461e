from django.utils import translation

from reunite.matching.compare import COMPARISONS
from reunite.tracing.explain import LEVEL_TEXTS, describe


def test_every_engine_level_has_a_translatable_sentence():
    engine = {(c.name, level.name): level.text for c in COMPARISONS for level in c.levels}
    assert set(engine) == set(LEVEL_TEXTS)
    for key, text in engine.items():
        assert str(LEVEL_TEXTS[key]) == text  # same words as the engine, in English


def test_evidence_is_shown_in_the_reader_language():
    contribution = {"field": "birth_date", "level": "swapped", "weight": 6.6, "text": "x"}
    assert describe(contribution) == "Birth dates match with day and month swapped (+6.6)"
    with translation.override("es"):
        spanish = describe(contribution)
    assert spanish != describe(contribution) and "6,6" in spanish
    missing = {"field": "sex", "level": "null", "weight": 0.0, "text": "x"}
    assert describe(missing) == "Sex unknown on one side (no evidence)"
