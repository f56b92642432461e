from django.apps import AppConfig

from reunite.funds.retention import PERSONAL_DATA


class FundsConfig(AppConfig):
    name = "reunite.funds"
    label = "funds"
    verbose_name = "Funds"

    # Funds sits beside the registry (reunite.people), not above it, so it cannot call
    # people's retention.register(). It declares its personal fields and its part of a
    # person's wipe here instead; PeopleConfig.ready() reads every app's declaration.
    personal_data = PERSONAL_DATA
    wipe_person = "reunite.funds.retention.wipe_person"
