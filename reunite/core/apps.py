from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reunite.core"
    label = "core"

    def ready(self):
        from reunite.core import crypto

        # A malformed BLIND_INDEX_KEYS stops every process at start-up with the reason,
        # rather than at the first search.
        crypto.index_keyring()
