"""Background processes killed outright (SIGKILL: no handler runs, no cleanup) in the
middle of their work, then started again: an import, a data-key rotation and a
blind-index key rotation."""

from __future__ import annotations

import os
import signal
import time

from faults import harness

BATCH = 100


def kill(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def job_progress(portal, job: int) -> tuple[int, str]:
    return tuple(
        portal.cluster.sql(
            "SELECT processed_rows, status FROM interop_importjob WHERE id = %s", (job,),
            db=portal.db,
        )[0]
    )  # fmt: skip


def worker(portal):
    return portal.spawn(
        [harness.PYTHON, "manage.py", "db_worker", "--no-startup-delay", "--no-reload",
         "--interval", "0.2"],
        "db_worker", portal.env(IMPORT_BATCH_SIZE=str(BATCH)),
    )  # fmt: skip


def test_worker_killed_during_an_import_resumes_without_duplicates(portal):
    """The worker dies after some batches: each saved batch is whole (no partial rows),
    "Resume" continues after the last one, and no row is imported twice."""
    rows = 1500
    path = str(portal.workdir / "parents.csv")
    portal.agent("registry_csv", rows=rows, path=path)
    job = portal.agent("import_file", email="alice@faults.example.org", path=path, enqueue=True)["job"]  # fmt: skip
    first = worker(portal)
    portal.processes.append(first)
    harness.wait_for(
        lambda: job_progress(portal, job)[0] >= 2 * BATCH, timeout=120, what="two batches"
    )
    kill(first)
    processed, status = job_progress(portal, job)
    assert 0 < processed < rows and status == "running"
    state = portal.agent("import_state", job=job)
    assert state["processed"] % BATCH == 0
    assert state["records"] == state["created"] == processed - state["rejected"]
    assert state["people"] == len(portal.seed["people"]) + state["records"]
    assert state["duplicated_keys"] == 0

    portal.agent("import_resume", email="alice@faults.example.org", job=job)
    assert job_progress(portal, job)[1] == "queued"  # no worker yet: it waits
    second, began, _ = harness.boot(portal, lambda: worker(portal), log_line="Starting worker")
    portal.processes.append(second)
    harness.wait_for(  # the new worker may take it up before it has finished booting
        lambda: job_progress(portal, job)[1] in ("running", "done"),
        timeout=60,
        what="the import to resume",
    )
    resumed = harness.report("worker killed during an import", time.monotonic() - began,
                             "import taken up again by the restarted worker")  # fmt: skip
    harness.wait_for(
        lambda: job_progress(portal, job)[0] > processed, timeout=60, what="the next batch"
    )
    harness.report("worker killed during an import", time.monotonic() - began, "next batch saved")
    harness.wait_for(
        lambda: job_progress(portal, job)[1] == "done", timeout=180, interval=0.2, what="done"
    )
    harness.report("worker killed during an import", time.monotonic() - began, "import finished")
    assert resumed < harness.RECOVERY_SECONDS
    state = portal.agent("import_state", job=job)
    assert state["processed"] == rows
    assert state["records"] == state["distinct_people"] == rows - state["rejected"]
    assert state["duplicated_keys"] == 0
    assert state["people"] == len(portal.seed["people"]) + rows - state["rejected"]
    kill(second)


def sealed_under(portal, key_id: str) -> int:
    return portal.cluster.one(
        "SELECT count(*) FROM people_person WHERE left(paternal_surname, %s) = %s",
        (len(key_id) + 4, f"v1:{key_id}:"),
        db=portal.db,
    )


def rotated_events(portal) -> int:
    return portal.cluster.one(
        "SELECT count(*) FROM audit_auditevent WHERE event_type = 'keys.rotated'", db=portal.db
    )


def kill_halfway(portal, command, name, env) -> None:
    """Run a batched rotation and kill it halfway, deterministically: a row lock held on
    the 601st person stops the run at the batch holding it (batches lock their rows in
    primary-key order), six batches in."""
    stopper = portal.cluster.connect(portal.db, autocommit=False)
    stopper.execute(
        "SELECT 1 FROM people_person WHERE id = (SELECT id FROM people_person ORDER BY id OFFSET 600 LIMIT 1) FOR UPDATE"
    )
    process = portal.spawn(command, name, env)
    portal.processes.append(process)
    harness.wait_for(
        lambda: portal.cluster.backends(portal.db, waiting_on_lock=True),
        timeout=120,
        what="halfway",
    )
    kill(process)
    stopper.rollback()
    stopper.close()


def test_key_rotation_killed_halfway_resumes_and_every_value_opens(portal):
    """`reunite keys rotate` is killed halfway: every value is sealed under the old or the
    new key (none half-written, none in the clear) and opens with the ring; run again, it
    finishes the rest, touches nothing twice and records one audit event."""
    path = str(portal.workdir / "parents.csv")
    portal.agent("registry_csv", rows=1000, path=path)
    portal.agent("import_file", email="alice@faults.example.org", path=path)
    total = portal.cluster.one("SELECT count(*) FROM people_person", db=portal.db)
    old = portal.secrets["DATA_KEYS"]
    ring = portal.env(DATA_KEYS=f"k2:{harness.key()},{old}")
    rotate = [harness.PYTHON, "manage.py", "keys", "rotate", "--yes", "--batch-size", str(BATCH)]
    kill_halfway(portal, rotate, "keys-rotate", ring)
    done = sealed_under(portal, "k2")
    assert done == 600, "whole batches only: the six before the stopped one"
    assert done + sealed_under(portal, "k1") == total
    assert rotated_events(portal) == 0
    opened = portal.agent("open_people", env=ring)
    assert (opened["opened"], opened["refused"]) == (total, 0)

    second, began, _ = harness.boot(
        portal, lambda: portal.spawn(rotate, "keys-rotate", ring), log_line="Re-sealing under"
    )
    portal.processes.append(second)
    assert second.wait(timeout=300) == 0
    seconds = harness.report("key rotation killed halfway", time.monotonic() - began,
                             "rotation resumed and finished")  # fmt: skip
    assert sealed_under(portal, "k2") == total and sealed_under(portal, "k1") == 0
    assert portal.cluster.one("SELECT count(*) FROM people_person", db=portal.db) == total
    assert rotated_events(portal) == 1
    status = portal.manage("keys", "status", env=ring)
    assert "Rows still to rotate: 0" in status.stdout, status.stdout
    assert seconds < harness.RECOVERY_SECONDS


def indexed_under(portal, key_id: str) -> int:
    """People whose search keys a blind-index key made ("b2.<hex>")."""
    return portal.cluster.one(
        "SELECT count(DISTINCT person_id) FROM people_searchkey WHERE left(digest, %s) = %s",
        (len(key_id) + 1, f"{key_id}."),
        db=portal.db,
    )


def test_index_key_rotation_killed_halfway_resumes_and_search_finds_everyone(portal):
    """`reunite keys rotate-index` is killed halfway: each person's search keys are all
    under the old key or all under the new one, and a search with the ring finds every
    person it looks for; run again, it finishes the rest and records one audit event.
    Without the old key, the people not yet rotated would not be found."""
    path = str(portal.workdir / "parents.csv")
    portal.agent("registry_csv", rows=1000, path=path)
    portal.agent("import_file", email="alice@faults.example.org", path=path)
    total = portal.cluster.one(
        "SELECT count(DISTINCT person_id) FROM people_searchkey", db=portal.db
    )
    ring = portal.env(BLIND_INDEX_KEYS=f"b2:{harness.key()}")  # BLIND_INDEX_KEY stays, oldest
    rotate = [
        harness.PYTHON, "manage.py", "keys", "rotate-index", "--yes", "--batch-size", str(BATCH),
    ]  # fmt: skip
    # As for the data keys: the people's search keys are recomputed first, by person in
    # id order, each batch locking its people.
    kill_halfway(portal, rotate, "keys-rotate-index", ring)
    done = indexed_under(portal, "b2")
    assert done == 600, "whole batches only: the six before the stopped one"
    mixed = portal.cluster.one(
        "SELECT count(*) FROM (SELECT person_id FROM people_searchkey GROUP BY person_id"
        " HAVING count(DISTINCT left(digest, 3) = 'b2.') > 1) AS both_keys",
        db=portal.db,
    )
    assert mixed == 0, "a person's keys are recomputed together"
    assert rotated_events(portal) == 0
    found = portal.agent("search_people", env=ring, email="alice@faults.example.org")
    assert found["searched"] > 50 and found["found"] == found["searched"]
    new_only = portal.agent(
        "search_people", env={**ring, "BLIND_INDEX_KEY": ""}, email="alice@faults.example.org"
    )
    assert new_only["found"] < new_only["searched"], "the old key is still needed mid-rotation"

    second, began, _ = harness.boot(
        portal,
        lambda: portal.spawn(rotate, "keys-rotate-index", ring),
        log_line="Recomputing blind indexes under",
    )
    portal.processes.append(second)
    assert second.wait(timeout=300) == 0
    seconds = harness.report("index key rotation killed halfway", time.monotonic() - began,
                             "rotation resumed and finished")  # fmt: skip
    assert indexed_under(portal, "b2") == total
    assert rotated_events(portal) == 1
    status = portal.manage("keys", "index-status", env=ring)
    assert "Still to rotate: 0" in status.stdout, status.stdout
    found = portal.agent(
        "search_people", env={**ring, "BLIND_INDEX_KEY": ""}, email="alice@faults.example.org"
    )
    assert found["searched"] > 50 and found["found"] == found["searched"]
    assert seconds < harness.RECOVERY_SECONDS


def test_backup_restored_after_a_rotation_opens_with_the_retained_key(portal):
    """A backup taken before a rotation holds only sealed values; restored after it, it
    opens with the ring that kept the old key, and fails closed without it."""
    backup = portal.cluster.dump(portal.db, portal.workdir / "backup.sql")
    assert not harness.leaks(backup.read_text(errors="replace"))
    old = portal.secrets["DATA_KEYS"]
    new = f"k2:{harness.key()}"
    rotated = portal.manage("keys", "rotate", "--yes", env=portal.env(DATA_KEYS=f"{new},{old}"))
    assert rotated.returncode == 0, rotated.stderr[-2000:]
    people = len(portal.seed["people"])
    assert portal.agent("open_people", env=portal.env(DATA_KEYS=new))["opened"] == people

    restored = portal.cluster.new_name("restored")
    portal.cluster.create(restored)
    try:
        began = time.monotonic()
        portal.cluster.restore(backup, restored)
        seconds = harness.report("backup restored after a rotation", time.monotonic() - began,
                                 "restored")  # fmt: skip
        target = harness.Portal(
            portal.cluster, restored, portal.workdir / "restored", portal.secrets
        )
        retained = target.agent("open_people", env=target.env(DATA_KEYS=f"{new},{old}"))
        assert retained == {"opened": people, "refused": 0, "with_marker": people}
        without = target.agent("open_people", env=target.env(DATA_KEYS=new))
        assert without == {"opened": 0, "refused": people, "with_marker": 0}
        status = target.manage("keys", "status", env=target.env(DATA_KEYS=new))
        assert "NOT IN DATA_KEYS" in status.stdout
        assert not harness.leaks(target.text_of_logs())
        assert seconds < harness.RECOVERY_SECONDS
    finally:
        portal.cluster.drop(restored)
