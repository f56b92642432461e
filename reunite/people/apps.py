from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "reunite.people"
    label = "people"
