from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PeopleConfig(AppConfig):
    name = "reunite.people"
    label = "people"

    def ready(self):
        # Apps above the registry declare in their `retention` module how a person's data
        # in them is classified and wiped (retention.register); people cannot import them.
        autodiscover_modules("retention")
