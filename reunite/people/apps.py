from django.apps import AppConfig, apps
from django.utils.module_loading import autodiscover_modules, import_string


class PeopleConfig(AppConfig):
    name = "reunite.people"
    label = "people"

    def ready(self):
        # Apps above the registry declare in their `retention` module how a person's data
        # in them is classified and wiped (retention.register); people cannot import them.
        autodiscover_modules("retention")
        # Likewise each app's `blind_indexes` module registers its tables of blind indexes
        # with the rotation (reunite.people.blind_indexes.register).
        autodiscover_modules("blind_indexes")
        # Apps beside the registry in the same layer (funds) cannot call register() either
        # way round: they declare `personal_data` ({model name: (pii, not_pii)}) and a
        # dotted `wipe_person` on their AppConfig, and are registered from here.
        from reunite.people import retention

        for config in apps.get_app_configs():
            declared = getattr(config, "personal_data", None) or {}
            wipe = getattr(config, "wipe_person", None)
            for index, (model_name, (pii, not_pii)) in enumerate(declared.items()):
                retention.register(
                    config.get_model(model_name),
                    pii=pii,
                    not_pii=not_pii,
                    wipe=import_string(wipe) if wipe and index == 0 else None,
                )
