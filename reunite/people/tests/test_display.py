from django.template import Context, Template
from django.utils import translation

from reunite.matching.names import COUNTRIES
from reunite.people.templatetags.registry import COUNTRY_NAMES


def render(code):
    return Template("{% load registry %}{{ code|country }}").render(Context({"code": code}))


def test_every_country_the_engine_knows_has_a_name():
    assert set(COUNTRIES.values()) == set(COUNTRY_NAMES)


def test_country_codes_are_shown_as_names_in_the_reader_language():
    assert render("SV") == "El Salvador"
    assert render("Chiapas region") == "Chiapas region"
    with translation.override("es"):
        assert render("MX") in {"Mexico", "México"}
