"""The database itself refuses to change or delete audit events."""

from django.db import migrations

APPEND_ONLY_SQL = {
    "sqlite": [
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;",
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",
    ],
}
REMOVE_SQL = {
    "sqlite": ["DROP TRIGGER audit_no_update;", "DROP TRIGGER audit_no_delete;"],
    "postgresql": [
        "DROP TRIGGER audit_no_change ON audit_auditevent;",
        "DROP FUNCTION audit_append_only();",
    ],
}


def forbid_changes(apps, schema_editor):
    for statement in APPEND_ONLY_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def allow_changes(apps, schema_editor):
    for statement in REMOVE_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forbid_changes, allow_changes)]
