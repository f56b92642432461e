"""Model fields that keep personal data sealed in the database."""

from django.db import models

from reunite.core import crypto


class EncryptedTextField(models.TextField):
    """Text sealed with AES-256-GCM; the associated data is "<db_table>.<column>".

    Sealed values cannot be searched: give the model a blind-index column for lookups.
    Empty strings are stored as empty strings so that "no value" stays visible to code
    (never to a reader of the database, which sees no plaintext either way).
    """

    description = "Encrypted text"

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        self.seal_context = f"{cls._meta.db_table}.{self.column}"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.seal(value, context=self.seal_context)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.unseal(value, context=self.seal_context)

    def get_lookup(self, lookup_name):
        # Only presence can be asked of a sealed column; anything else would compare
        # ciphertexts and silently find nothing.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)
