from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reunite.core"
    label = "core"
