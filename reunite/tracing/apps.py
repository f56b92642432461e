from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "reunite.tracing"
    label = "tracing"

    def ready(self):
        from reunite.tracing import receivers  # noqa: F401  (searches for candidates on change)
