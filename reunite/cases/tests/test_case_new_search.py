"""Opening a case by hand: the search among clients posts its terms, never reads them
from the address (ASVS 14.2.1)."""

import re

import pytest
from django.urls import reverse

from conftest import signed_in

pytestmark = pytest.mark.django_db

NEW = reverse("cases:new")


def test_the_search_on_the_open_a_case_page_is_posted(client, alice, child, mother):
    signed_in(client, alice)
    body = client.get(NEW).content.decode()
    assert re.search(r'<form method="post" action="/cases/new/"', body)
    assert str(mother.public_id) in body and str(child.public_id) in body
    response = client.post(NEW, {"action": "search", "q": "Qzyxwv"})  # no one's name
    assert response.status_code == 200
    found = response.content.decode()
    assert str(mother.public_id) not in found and str(child.public_id) not in found


def test_a_query_in_the_address_narrows_nothing(client, alice, child, mother):
    signed_in(client, alice)
    body = client.get(NEW, {"q": "Qzyxwv"}).content.decode()
    assert str(mother.public_id) in body and str(child.public_id) in body
    assert 'value="Qzyxwv"' not in body  # nor put back in the search box
