from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reunite.accounts"
    label = "accounts"

    def ready(self):
        from reunite.accounts import (
            receivers,  # noqa: F401  (connects auth signals to the audit log)
            recovery_codes,
        )

        recovery_codes.install()
