import pytest
from django.urls import reverse

from conftest import signed_in, totp_now


@pytest.mark.django_db
def test_login_with_password_then_totp_reaches_dashboard(client, alice, password):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert response.status_code == 302
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200
    assert "Border Legal Aid" in home.content.decode()


@pytest.mark.django_db
def test_signed_in_helper(client, alice):
    signed_in(client, alice)
    assert client.get(reverse("dashboard:home")).status_code == 200
