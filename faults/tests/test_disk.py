"""The disk under the database fills up.

A real full disk, not a simulated error: the scenario's database lives in a tablespace on
a small tmpfs of its own (mounting one needs root, as CI has; without it the scenario
skips with the reason), and a filler file takes the rest of the space. PostgreSQL then
fails to extend a table or index (ENOSPC, SQLSTATE 53100); its WAL and every other
database stay on the server's main disk, untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from faults import harness
from faults.tests.test_database import api

MOUNT_MB = 96


def fill(path: Path) -> None:
    """Write `path` until the file system has no byte left."""
    with path.open("wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    handle.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break


@pytest.fixture
def small_disk(cluster):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the full-disk scenario needs root")
    mount = Path(f"/tmp/{cluster.prefix}_disk")  # outside the suite's 0700 folder
    mount.mkdir(mode=0o755, exist_ok=True)
    postgres = pwd.getpwnam("postgres")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o",
         f"size={MOUNT_MB}m,uid={postgres.pw_uid},gid={postgres.pw_gid},mode=0700",
         "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    tablespace = f"{cluster.prefix}_ts"
    (mount / "pg").mkdir()
    os.chown(mount / "pg", postgres.pw_uid, postgres.pw_gid)
    try:
        cluster.sql(f"CREATE TABLESPACE {tablespace} OWNER {harness.ROLE} LOCATION '{mount}/pg'")
        yield mount, tablespace
    finally:
        with contextlib.suppress(Exception):
            cluster.sql(f"DROP TABLESPACE IF EXISTS {tablespace}")
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        with contextlib.suppress(OSError):
            mount.rmdir()


def test_disk_full_refuses_whole_changes_and_recovers(
    cluster, template, secrets, workroot, small_disk
):
    """People are registered until the disk is full: each registration is saved whole or
    not at all (a 503, never a 500, no person without search keys or audit event), the
    audit chain holds, and once space is freed registration works again."""
    mount, tablespace = small_disk
    name = cluster.new_name("disk_full")
    cluster.create(name, template=template["name"], tablespace=tablespace)
    portal = harness.Portal(cluster, name, workroot / name, secrets)
    portal.seed, server = template, None
    try:
        server = harness.Server(portal)
        server.start()
        call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
        before = portal.agent("counts")
        filler = mount / "filler"
        fill(filler)
        os.truncate(filler, filler.stat().st_size - 256 * 1024)  # room for a few people

        def register(n):
            return call("POST", "/people/", json={
                "family_role": "parent", "given_names": f"Nombre{n}", "paternal_surname": f"Apellido {uuid.uuid4().hex[:8]}",
                "notes": "x" * 2000,
            })  # fmt: skip

        statuses = []
        for n in range(400):
            response = register(n)
            statuses.append(response.status_code)
            if response.status_code != 201:
                portal.seen.append(response.text)
                break
        assert statuses[-1] == 503, statuses[-5:]
        assert set(statuses[:-1]) <= {201}
        body = response.json()
        assert body["error"]["code"] == "unavailable"
        assert "(DiskFull)" in portal.text_of_logs()  # PostgreSQL's own ENOSPC error
        harness.report(
            "disk full", response.elapsed.total_seconds(),
            f"answered 503 after {len(statuses) - 1} whole registrations",
        )  # fmt: skip
        saved = len(statuses) - 1
        after = portal.agent("counts")
        assert after["people"] == before["people"] + saved
        assert after["created_events"] == before["created_events"] + saved
        assert after["people_without_keys"] == 0
        assert after["audit_chain_ok"]

        anchor = portal.manage(
            "audit", "anchor", env=portal.env(AUDIT_ANCHOR_PATH=str(mount / "anchors.log"))
        )
        assert anchor.returncode != 0, "anchoring onto a full disk must fail loudly"
        assert not (mount / "anchors.log").exists() or (mount / "anchors.log").read_text() == ""

        filler.unlink()
        began = time.monotonic()
        harness.wait_for(
            lambda: register(9999).status_code == 201,
            timeout=harness.RECOVERY_SECONDS * 2,
            interval=0.1,
            what="registration to work again",
        )
        seconds = harness.report("disk full, space freed", time.monotonic() - began)
        assert seconds < harness.RECOVERY_SECONDS
        assert portal.agent("counts")["people_without_keys"] == 0
    finally:
        if server:
            server.stop()
        try:
            harness.check_no_plaintext(portal)
        finally:
            cluster.drop(name)
