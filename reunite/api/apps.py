from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "reunite.api"
    label = "api"
