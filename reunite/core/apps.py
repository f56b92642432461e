from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reunite.core"
    label = "core"

    def ready(self):
        from reunite.core import checks, crypto  # noqa: F401  (checks registers itself)

        # A malformed DATA_KEYS or BLIND_INDEX_KEYS stops every process at start-up with
        # the reason, rather than at the first read or search.
        crypto.keyring()
        crypto.index_keyring()
