"""Recovery codes are now stored as salted hashes (reunite/accounts/recovery_codes.py).

A set made before was derived from a seed the database kept (sealed): it is deleted, so no
derivable secret stays behind. Its owner still has their authenticator app, and is asked
at the next sign-in to make a new set."""

from django.db import migrations


def drop_seeded_sets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type="recovery_codes"):
        if authenticator.data.get("scheme") is None:
            authenticator.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(drop_seeded_sets, migrations.RunPython.noop)]
