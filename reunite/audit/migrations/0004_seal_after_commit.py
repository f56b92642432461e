"""Events are recorded pending and sealed into the chain just after their transaction
commits, so no request holds the chain's lock (see reunite/audit/services.py).

seq, prev_hash and hash become nullable (pending), listing goes by insert order, and the
append-only triggers now let exactly one UPDATE through: sealing, i.e. seq, prev_hash and
hash going from empty to set, every other column unchanged. Deleting is still refused.
"""

from django.db import migrations, models

# Every column but the three the sealer sets. PostgreSQL compares whole rows instead (a
# column added later is covered without a new trigger); SQLite has no row value to compare,
# and reunite/audit/tests/test_sealing.py fails if a model field is missing here.
SQLITE_CONTENT_COLUMNS = (
    "id", "occurred_at", "event_type", "actor_id", "organization_id", "target_type",
    "target_id", "fields", "data", "source_ip",
)  # fmt: skip
_SQLITE_SEALING = " AND ".join(
    ["OLD.seq IS NULL", "OLD.prev_hash IS NULL", "OLD.hash IS NULL"]
    + ["NEW.seq IS NOT NULL", "NEW.prev_hash IS NOT NULL", "NEW.hash IS NOT NULL"]
    + [f"NEW.{column} IS OLD.{column}" for column in SQLITE_CONTENT_COLUMNS]
)
REFUSAL = "the audit log is append-only: an event is only ever sealed, once"

SEAL_ONLY_SQL = {
    "sqlite": [
        "CREATE TRIGGER audit_seal_only BEFORE UPDATE ON audit_auditevent "
        f"WHEN NOT ({_SQLITE_SEALING}) BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE OR TRUNCATE "
        "ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",
        "CREATE OR REPLACE FUNCTION audit_seal_only() RETURNS trigger AS $$ BEGIN "
        "IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL "
        "AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL "
        "AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] "
        "= to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] "
        f"THEN RETURN NEW; END IF; RAISE EXCEPTION '{REFUSAL}'; END; $$ LANGUAGE plpgsql;",
        "CREATE TRIGGER audit_seal_only BEFORE UPDATE "
        "ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_seal_only();",
    ],
}
# REMOVE_SQL (the name the root conftest looks for) undoes SEAL_ONLY_SQL.
REMOVE_SQL = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_seal_only;", "DROP TRIGGER IF EXISTS audit_no_delete;"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_seal_only ON audit_auditevent;",
        "DROP FUNCTION IF EXISTS audit_seal_only();",
        "DROP TRIGGER IF EXISTS audit_no_delete ON audit_auditevent;",
    ],
}

# What 0002_append_only made: no UPDATE at all.
APPEND_ONLY_SQL = {
    "sqlite": [
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    ],
    "postgresql": [
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",
    ],
}
REMOVE_APPEND_ONLY_SQL = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_no_change ON audit_auditevent;"],
}


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event_type_without_choices")]

    operations = [
        # SQLite rebuilds the table for the changes below, which would drop its triggers
        # anyway: take the old guard down first, put the new one up last.
        migrations.RunPython(_run(REMOVE_APPEND_ONLY_SQL), _run(APPEND_ONLY_SQL)),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-id"]}),
        migrations.RemoveIndex(model_name="auditevent", name="audit_audit_organiz_614a2a_idx"),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organization_id", "-id"], name="audit_org_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_pending_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("hash__isnull", True), ("prev_hash__isnull", True), ("seq__isnull", True)),
                    models.Q(("hash__isnull", False), ("prev_hash__isnull", False), ("seq__isnull", False)),
                    _connector="OR",
                ),
                name="audit_sealed_whole_or_pending",
            ),
        ),
        migrations.RunPython(_run(SEAL_ONLY_SQL), _run(REMOVE_SQL)),
    ]
