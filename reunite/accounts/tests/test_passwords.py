import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from reunite.accounts.passwords import common_passwords, is_common


def test_the_shipped_list_is_large():
    assert len(common_passwords()) > 35_000


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # listed word padded with digits
        "Password1234!",
        "P@ssw0rd2024!!",  # leetspeak
        "qwertyqwerty",  # a repeat of a listed word
        "iloveyou2026",
        "contrasena123",  # Spanish favourite
        "motdepasse!!!",  # French favourite
        "111111111111",
        "abababababab",
        "123456789012",
    ],
)
def test_common_and_padded_passwords_are_refused(password):
    assert is_common(password)
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple 42", "tamale-Orbit-9-quietly", "Wq7#vL2p!xR9zT"]
)
def test_strong_passwords_pass(password):
    assert not is_common(password)
    validate_password(password)


def test_minimum_length_is_twelve():
    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("Zq7#vL2p!xR")


def test_production_hashes_with_argon2():
    from config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
