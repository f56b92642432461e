from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "reunite.dashboard"
    label = "dashboard"
