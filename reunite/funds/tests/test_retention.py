"""Funds' personal fields are declared for the wipe coverage, without funds importing the
registry (its sibling): PeopleConfig.ready() registers FundsConfig's declaration."""

from django.apps import apps

from reunite.core.fields import EncryptedTextField
from reunite.funds.retention import PERSONAL_DATA


def test_every_funds_model_declares_every_field_once():
    config = apps.get_app_config("funds")
    assert set(PERSONAL_DATA) == {m.__name__ for m in config.get_models()}
    for model in config.get_models():
        pii, not_pii = PERSONAL_DATA[model.__name__]
        names = {f.name for f in model._meta.concrete_fields}
        assert not set(pii) & set(not_pii), model
        assert set(pii) | set(not_pii) == names, model
        sealed = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
        assert sealed <= set(pii), model


def test_the_registry_holds_funds_to_its_wipe_coverage():
    from reunite.funds.retention import wipe_person
    from reunite.people import retention

    for name, (pii, _not_pii) in PERSONAL_DATA.items():
        assert retention.PII_FIELDS[apps.get_model("funds", name)] == pii
    assert wipe_person in retention._DEPENDENT_WIPES


def test_funds_does_not_import_the_registry():
    import ast
    from pathlib import Path

    root = Path(apps.get_app_config("funds").path)
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("reunite.people"), path
