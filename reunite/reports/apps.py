from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reunite.reports"
    label = "reports"
