"""Searching the people list as the page does: the terms are posted, the results page
names the search by a token only (ASVS 14.2.1)."""

from django.urls import reverse

LIST = reverse("people:list")


def search_url(client, query: str) -> str:
    response = client.post(LIST, {"q": query})
    assert response.status_code == 302
    return response["Location"]


def search(client, query: str):
    return client.get(search_url(client, query))
