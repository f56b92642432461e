from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "reunite.interop"
    label = "interop"
