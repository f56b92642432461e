"""The OWASP ASVS 5.0 requirement trail (docs/security/asvs.yaml) holds together.

This test fails when:
- a requirement of the claimed scope is missing from the file (every L1 and L2
  requirement of V1, V2, V4, V5, V6, V7, V8, V13, V14 and V16, and the six L3 ones the
  issue names), or is listed twice;
- a requirement claimed as `met` names no positive or no negative test;
- a named test does not exist: each node id is looked up in the suite's own collection
  (`pytest --collect-only`, run once in a subprocess), parametrised ids included;
- a `documented` requirement points to a section (a Markdown heading) that does not exist;
- a requirement that is not claimed (`not_applicable`, `delegated`, `not_met`) gives no
  reason.

"No passing test" is covered by the suite itself: every test the trail names is a
collected test of the same `make test` run, so when one fails CI is red already. This
file only has to prove that the tests it relies on exist, that each requirement has both
kinds of case, and that nothing in scope was forgotten.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAIL = ROOT / "docs" / "security" / "asvs.yaml"
STATUSES = {"met", "documented", "not_applicable", "delegated", "not_met"}
NEEDS_REASON = {"not_applicable", "delegated", "not_met"}

# ASVS 5.0.0: every requirement at levels 1 and 2 of the chapters in scope (from the
# standard's tables; L3-only requirements are left out unless claimed below).
IN_SCOPE_L1_L2 = re.findall(
    r"\S+",
    """
1.1.1 1.1.2 1.2.1 1.2.2 1.2.3 1.2.4 1.2.5 1.2.6 1.2.7 1.2.8 1.2.9 1.3.1 1.3.2 1.3.3 1.3.4
1.3.5 1.3.6 1.3.7 1.3.8 1.3.9 1.3.10 1.3.11 1.4.1 1.4.2 1.4.3 1.5.1 1.5.2
2.1.1 2.1.2 2.1.3 2.2.1 2.2.2 2.2.3 2.3.1 2.3.2 2.3.3 2.3.4 2.4.1
4.1.1 4.1.2 4.1.3 4.2.1 4.3.1 4.3.2 4.4.1 4.4.2 4.4.3 4.4.4
5.1.1 5.2.1 5.2.2 5.2.3 5.3.1 5.3.2 5.4.1 5.4.2 5.4.3
6.1.1 6.1.2 6.1.3 6.2.1 6.2.2 6.2.3 6.2.4 6.2.5 6.2.6 6.2.7 6.2.8 6.2.9 6.2.10 6.2.11
6.3.1 6.3.2 6.3.3 6.4.1 6.4.2 6.4.3 6.4.4 6.5.1 6.5.2 6.5.3 6.5.4 6.5.5 6.6.1 6.6.2 6.6.3
6.8.1 6.8.2 6.8.3
7.1.1 7.1.2 7.1.3 7.2.1 7.2.2 7.2.3 7.2.4 7.3.1 7.3.2 7.4.1 7.4.2 7.4.3 7.4.4 7.4.5 7.5.1
7.5.2 7.6.1 7.6.2
8.1.1 8.1.2 8.2.1 8.2.2 8.2.3 8.3.1 8.4.1
13.1.1 13.2.1 13.2.2 13.2.3 13.2.4 13.2.5 13.3.1 13.3.2 13.4.1 13.4.2 13.4.3 13.4.4 13.4.5
14.1.1 14.1.2 14.2.1 14.2.2 14.2.3 14.2.4 14.3.1 14.3.2 14.3.3
16.1.1 16.2.1 16.2.2 16.2.3 16.2.4 16.2.5 16.3.1 16.3.2 16.3.3 16.3.4 16.4.1 16.4.2 16.4.3
16.5.1 16.5.2 16.5.3
""",
)
# Level 3, claimed by name: no enumeration, step-up, every read logged (16.3.2 at L3),
# minimal data, retention, a second person for bulk exports.
IN_SCOPE_L3 = ["6.3.8", "7.5.3", "16.3.2", "14.2.6", "14.2.7", "2.3.5"]


@cache
def trail() -> list[dict]:
    return yaml.safe_load(TRAIL.read_text(encoding="utf-8"))["requirements"]


@cache
def collected() -> frozenset[str]:
    """Every test node id of the suite, as pytest itself collects it."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    nodes = frozenset(line for line in done.stdout.splitlines() if "::" in line)
    assert nodes, f"collection failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return nodes


def exists(node: str) -> bool:
    """`node` is a collected test, or names every parametrised case of one."""
    nodes = collected()
    return node in nodes or any(n.startswith(node + "[") for n in nodes)


def headings(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


def by_id() -> dict[str, dict]:
    return {req["id"]: req for req in trail()}


def test_the_trail_reads_as_the_schema_says():
    for req in trail():
        assert {"id", "level", "text", "status"} <= req.keys(), req
        assert req["status"] in STATUSES, req["id"]
        assert req["level"] in (1, 2, 3), req["id"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", req["id"]), req["id"]


def test_no_requirement_is_listed_twice():
    ids = [req["id"] for req in trail()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_requirement_in_scope_is_in_the_trail():
    missing = [rid for rid in IN_SCOPE_L1_L2 + IN_SCOPE_L3 if rid not in by_id()]
    assert missing == []


def test_the_claimed_level_3_requirements_are_listed_at_level_3():
    assert all(by_id()[rid]["level"] == 3 for rid in IN_SCOPE_L3)


def test_every_met_requirement_has_a_positive_and_a_negative_test():
    lacking = [
        (req["id"], kind)
        for req in trail()
        if req["status"] == "met"
        for kind in ("positive", "negative")
        if not req.get(kind)
    ]
    assert lacking == []


def test_every_named_test_exists_in_the_suite():
    named = {
        node for req in trail() for kind in ("positive", "negative") for node in req.get(kind) or []
    }
    assert named, "the trail names no test"
    assert sorted(node for node in named if not exists(node)) == []


def test_every_documented_requirement_points_to_a_real_section():
    broken = []
    for req in trail():
        if req["status"] == "documented" and not req.get("docs"):
            broken.append((req["id"], "no docs"))
        for ref in req.get("docs") or []:
            name, _, heading = (part.strip() for part in ref.partition("§"))
            path = ROOT / name
            if not path.exists() or heading not in headings(path):
                broken.append((req["id"], ref))
    assert broken == []


def test_every_unclaimed_requirement_says_why():
    silent = [
        req["id"]
        for req in trail()
        if req["status"] in NEEDS_REASON and len(str(req.get("reason") or "").strip()) < 10
    ]
    assert silent == []


def test_an_unclaimed_requirement_names_no_tests_as_proof():
    """A not-met requirement must not look proven: tests go in its reason, if anywhere."""
    assert [
        req["id"]
        for req in trail()
        if req["status"] in NEEDS_REASON and (req.get("positive") or req.get("negative"))
    ] == []


# The checker itself: made-up trails are refused for each way a trail can be wrong.


@pytest.mark.parametrize(
    "node",
    [
        "reunite/accounts/tests/test_mfa.py::test_a_totp_code_cannot_be_replayed",
        "reunite/core/tests/test_asvs_config.py::test_trace_and_unknown_methods_are_refused",
        "reunite/core/tests/test_asvs_config.py::test_trace_and_unknown_methods_are_refused[TRACE]",
    ],
)
def test_existing_tests_and_parametrised_cases_are_found(node):
    assert exists(node)


@pytest.mark.parametrize(
    "node",
    [
        "reunite/accounts/tests/test_mfa.py::test_that_was_never_written",
        "reunite/accounts/tests/test_nowhere.py::test_a_totp_code_cannot_be_replayed",
        "reunite/accounts/tests/test_mfa.py::test_a_totp_code_cannot_be_replayed[nope]",
        "reunite/accounts/tests/test_mfa.py::test_a_totp_code",  # a prefix is not a test
    ],
)
def test_a_test_that_does_not_exist_is_not_found(node):
    assert not exists(node)


def test_a_heading_that_does_not_exist_is_not_found():
    assert "Sessions" in headings(ROOT / "SECURITY.md")
    assert "Sessions, but not really" not in headings(ROOT / "SECURITY.md")
