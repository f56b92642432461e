"""The database keeps the ledger's invariants itself, whatever code writes to it:

- a transaction is posted only when it has two legs or more and they sum to zero;
- a posted transaction's legs cannot be added, changed or deleted, nor the transaction
  deleted or unposted (only its memo may change: the retention wipe blanks it);
- legs are written once: never updated;
- nobody approves a disbursement they requested.

On PostgreSQL a deferred constraint trigger also checks, at commit, that every
transaction touched sums to zero, posted or not.
"""

from django.db import migrations

UNBALANCED = "the legs of a ledger transaction must sum to zero"
POSTED = "a posted ledger transaction cannot change: post a reversing transaction"

GUARD_SQL = {
    "sqlite": [
        f"""CREATE TRIGGER funds_post_balanced BEFORE UPDATE OF posted ON funds_transaction
        WHEN NEW.posted AND NOT OLD.posted AND (
            (SELECT COUNT(*) FROM funds_entry WHERE transaction_id = NEW.id) < 2
            OR (SELECT SUM(amount_cents) FROM funds_entry WHERE transaction_id = NEW.id) != 0)
        BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END;""",
        f"""CREATE TRIGGER funds_insert_unposted BEFORE INSERT ON funds_transaction
        WHEN NEW.posted BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END;""",
        f"""CREATE TRIGGER funds_posted_frozen BEFORE UPDATE ON funds_transaction
        WHEN OLD.posted AND (NOT NEW.posted OR NEW.organization_id != OLD.organization_id
            OR NEW.kind != OLD.kind OR NEW.occurred_on != OLD.occurred_on
            OR NEW.reverses_id IS NOT OLD.reverses_id OR NEW.key != OLD.key
            OR NEW.case_id IS NOT OLD.case_id)
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END;""",
        f"""CREATE TRIGGER funds_posted_kept BEFORE DELETE ON funds_transaction
        WHEN OLD.posted BEGIN SELECT RAISE(ABORT, '{POSTED}'); END;""",
        f"""CREATE TRIGGER funds_entry_insert BEFORE INSERT ON funds_entry
        WHEN (SELECT posted FROM funds_transaction WHERE id = NEW.transaction_id)
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END;""",
        f"""CREATE TRIGGER funds_entry_update BEFORE UPDATE ON funds_entry
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END;""",
        f"""CREATE TRIGGER funds_entry_delete BEFORE DELETE ON funds_entry
        WHEN (SELECT posted FROM funds_transaction WHERE id = OLD.transaction_id)
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END;""",
        """CREATE TRIGGER funds_no_self_approval BEFORE INSERT ON funds_approval
        WHEN NEW.approver_id = (SELECT requested_by_id FROM funds_disbursement
                                WHERE id = NEW.disbursement_id)
        BEGIN SELECT RAISE(ABORT, 'nobody approves their own request'); END;""",
    ],
    "postgresql": [
        f"""CREATE FUNCTION funds_transaction_guard() RETURNS trigger AS $$
        DECLARE legs bigint; total numeric;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.posted THEN RAISE EXCEPTION '{POSTED}' USING ERRCODE = 'check_violation'; END IF;
                RETURN OLD;
            END IF;
            IF TG_OP = 'INSERT' THEN
                IF NEW.posted THEN RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation'; END IF;
                RETURN NEW;
            END IF;
            IF OLD.posted AND (NOT NEW.posted
                    OR (NEW.organization_id, NEW.kind, NEW.occurred_on, NEW.key)
                       IS DISTINCT FROM (OLD.organization_id, OLD.kind, OLD.occurred_on, OLD.key)
                    OR NEW.reverses_id IS DISTINCT FROM OLD.reverses_id
                    OR NEW.case_id IS DISTINCT FROM OLD.case_id) THEN
                RAISE EXCEPTION '{POSTED}' USING ERRCODE = 'check_violation';
            END IF;
            IF NEW.posted AND NOT OLD.posted THEN
                SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) INTO legs, total
                FROM funds_entry WHERE transaction_id = NEW.id;
                IF legs < 2 OR total <> 0 THEN RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation'; END IF;
            END IF;
            RETURN NEW;
        END; $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER funds_transaction_guard BEFORE INSERT OR UPDATE OR DELETE
        ON funds_transaction FOR EACH ROW EXECUTE FUNCTION funds_transaction_guard();""",
        f"""CREATE FUNCTION funds_entry_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION '{POSTED}' USING ERRCODE = 'check_violation'; END IF;
            IF TG_OP = 'INSERT' THEN
                IF (SELECT posted FROM funds_transaction WHERE id = NEW.transaction_id) THEN
                    RAISE EXCEPTION '{POSTED}' USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END IF;
            IF (SELECT posted FROM funds_transaction WHERE id = OLD.transaction_id) THEN
                RAISE EXCEPTION '{POSTED}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN OLD;
        END; $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER funds_entry_guard BEFORE INSERT OR UPDATE OR DELETE
        ON funds_entry FOR EACH ROW EXECUTE FUNCTION funds_entry_guard();""",
        f"""CREATE FUNCTION funds_entry_balanced() RETURNS trigger AS $$
        DECLARE tx bigint; total numeric;
        BEGIN
            tx := CASE WHEN TG_OP = 'DELETE' THEN OLD.transaction_id ELSE NEW.transaction_id END;
            SELECT COALESCE(SUM(amount_cents), 0) INTO total
            FROM funds_entry WHERE transaction_id = tx;
            IF total <> 0 THEN RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation'; END IF;
            RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        """CREATE CONSTRAINT TRIGGER funds_entry_balanced
        AFTER INSERT OR UPDATE OR DELETE ON funds_entry
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_entry_balanced();""",
        """CREATE FUNCTION funds_no_self_approval() RETURNS trigger AS $$
        BEGIN
            IF NEW.approver_id = (SELECT requested_by_id FROM funds_disbursement
                                  WHERE id = NEW.disbursement_id) THEN
                RAISE EXCEPTION 'nobody approves their own request' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END; $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER funds_no_self_approval BEFORE INSERT OR UPDATE ON funds_approval
        FOR EACH ROW EXECUTE FUNCTION funds_no_self_approval();""",
    ],
}
# Dropped only to undo the migration, and by the test fixture that empties the tables.
REMOVE_SQL = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name};"
        for name in (
            "funds_post_balanced",
            "funds_insert_unposted",
            "funds_posted_frozen",
            "funds_posted_kept",
            "funds_entry_insert",
            "funds_entry_update",
            "funds_entry_delete",
            "funds_no_self_approval",
        )
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS funds_transaction_guard ON funds_transaction;",
        "DROP TRIGGER IF EXISTS funds_entry_guard ON funds_entry;",
        "DROP TRIGGER IF EXISTS funds_entry_balanced ON funds_entry;",
        "DROP TRIGGER IF EXISTS funds_no_self_approval ON funds_approval;",
        "DROP FUNCTION IF EXISTS funds_transaction_guard();",
        "DROP FUNCTION IF EXISTS funds_entry_guard();",
        "DROP FUNCTION IF EXISTS funds_entry_balanced();",
        "DROP FUNCTION IF EXISTS funds_no_self_approval();",
    ],
}


def guard(apps, schema_editor):
    for statement in GUARD_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def unguard(apps, schema_editor):
    for statement in REMOVE_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(guard, unguard)]
