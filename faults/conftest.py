"""Fixtures of the fault suite: a migrated template database, a fresh clone per scenario,
and the leak check every scenario ends with.

The suite runs only under `make faults` (REUNITE_FAULTS=1) so that `make test` never
starts servers; on SQLite it skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from faults import harness

ENABLED = bool(os.environ.get("REUNITE_FAULTS"))
collect_ignore_glob = [] if ENABLED else ["tests/*"]
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
            if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
                item.add_marker(
                    pytest.mark.skip(
                        reason="the fault suite needs PostgreSQL: DATABASE_URL=postgres://... make faults"
                    )
                )


@pytest.fixture(scope="session")
def cluster():
    cluster = harness.Cluster(DATABASE_URL)
    cluster.ensure_role()
    return cluster


@pytest.fixture(scope="session")
def secrets():
    return {
        "SECRET_KEY": "faults-" + harness.key(),
        "DATA_KEYS": "k1:" + harness.key(),
        "BLIND_INDEX_KEY": harness.key(),
    }


@pytest.fixture(scope="session")
def workroot():
    path = Path(tempfile.mkdtemp(prefix="reunite-faults-"))
    yield path
    if not os.environ.get("FAULTS_KEEP"):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def template(cluster, secrets, workroot):
    """One migrated, seeded database; every scenario gets a copy (CREATE DATABASE ...
    TEMPLATE), so none sees another's faults."""
    name = cluster.new_name("template")
    cluster.create(name)
    portal = harness.Portal(cluster, name, workroot / "template", secrets)
    done = portal.manage("migrate", "--no-input", "--verbosity", "0")
    assert done.returncode == 0, done.stderr[-3000:]
    seeded = portal.agent("seed", people=3)
    yield {"name": name, **seeded}
    cluster.drop(name)


@pytest.fixture
def portal(request, cluster, template, secrets, workroot):
    """A fresh copy of the template for one scenario. At the end: no plaintext marker in a
    dump of it, in any process log or in any response kept; then it is dropped."""
    name = cluster.new_name(request.node.name.replace("test_", "")[:24].lower())
    cluster.create(name, template=template["name"])
    portal = harness.Portal(cluster, name, workroot / name, secrets)
    portal.seed = template
    portal.processes = []
    yield portal
    for process in portal.processes:
        process.stop() if hasattr(process, "stop") else process.kill()
    try:
        harness.check_no_plaintext(portal)
    finally:
        cluster.drop(name)


@pytest.fixture
def server(portal):
    """gunicorn (two workers) on the scenario's database; more via `start_server`."""
    return start_server(portal)


def start_server(portal, **env) -> harness.Server:
    server = harness.Server(portal, **env)
    portal.processes.append(server)
    server.start()
    return server
