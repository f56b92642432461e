"""The static gates of `make check` prove themselves: the repository's semgrep rules flag
their bad fixtures and pass their good ones, the code base has no finding, and the
dependency audit never passes silently when it could check nothing.

These are the tests docs/security/asvs.yaml names for the requirements that a static
rule enforces (no string-built SQL, no unescaped output, no unsafe deserialisation...).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
RULES = ROOT / ".semgrep"


def semgrep(*args, cwd=ROOT):
    return subprocess.run(
        [str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def rule_id(finding) -> str:
    """ "reunite.<rule>" (semgrep prefixes the id with the path of the rules folder)."""
    return ".".join(finding["check_id"].split(".")[-2:])


def test_semgrep_rules_flag_every_bad_fixture_and_no_good_one(tmp_path):
    """`semgrep --test`: each `# ruleid:` line is flagged, each `# ok:` line is not.
    (semgrep skips hidden folders as test targets, so the rules are tested from a copy.)"""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    # The external-host case is written here, so that no file of the repository loads a
    # script from another host, not even a fixture.
    external = "https:" + "//cdn.example.com/htmx.js"
    with (copy / "templates.html").open("a", encoding="utf-8") as fixtures:
        fixtures.write(
            "<!-- ruleid: reunite.template-external-host -->\n"
            f'<script src="{external}"></script>\n'
        )
    done = semgrep("--test", ".", cwd=copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All tests passed" in done.stdout + done.stderr


def test_semgrep_finds_nothing_in_the_portal():
    done = semgrep(
        "--config", str(RULES), "--error", "--json", "--no-git-ignore", "reunite", "config"
    )
    findings = json.loads(done.stdout)["results"]
    assert [(rule_id(f), f["path"], f["start"]["line"]) for f in findings] == []
    assert done.returncode == 0


def test_semgrep_refuses_a_template_with_an_inline_script_and_an_unescaped_value(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<script>var q = "{{ query|safe }}";</script>\n', encoding="utf-8")
    done = semgrep("--config", str(RULES), "--error", "--json", str(page))
    found = {rule_id(f) for f in json.loads(done.stdout)["results"]}
    assert done.returncode == 1
    assert {"reunite.template-inline-script", "reunite.template-safe-filter"} <= found


def test_bandit_reports_no_high_severity_finding():
    done = subprocess.run(
        [str(BIN / "bandit"), "--quiet", "--recursive", "reunite", "config",
         "--severity-level", "high", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert [(r["test_id"], r["filename"], r["line_number"]) for r in report["results"]] == []


def test_bandit_would_report_a_high_severity_finding(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nsubprocess.call('ls ' + input(), shell=True)\n")
    done = subprocess.run(
        [str(BIN / "bandit"), "--quiet", str(bad), "--severity-level", "high", "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert {r["test_id"] for r in json.loads(done.stdout)["results"]} == {"B602"}


@pytest.fixture
def audit_module(monkeypatch):
    sys.path.insert(0, str(ROOT / "docs" / "security"))
    try:
        import dependency_audit

        yield dependency_audit
    finally:
        sys.path.remove(str(ROOT / "docs" / "security"))


def test_dependency_audit_says_not_run_when_nothing_could_be_checked(
    audit_module, monkeypatch, capsys
):
    offline = {"dependencies": [{"name": "django", "skip_reason": "could not be audited"}]}
    monkeypatch.setattr(audit_module, "run", lambda: offline)
    assert audit_module.main() == 0
    assert capsys.readouterr().out.startswith("dependency audit: not run (no network")


def test_dependency_audit_fails_on_a_known_vulnerability(audit_module, monkeypatch, capsys):
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-0", "fix_versions": ["5.2.1"]}]},
            {"name": "rapidfuzz", "version": "3.9.0", "vulns": []},
        ]
    }  # fmt: skip
    monkeypatch.setattr(audit_module, "run", lambda: report)
    assert audit_module.main() == 1
    out = capsys.readouterr().out
    assert "django 5.2.0: PYSEC-0 (fixed in 5.2.1)" in out and "FAILED" in out


def test_dependency_audit_passes_only_what_it_checked(audit_module, monkeypatch, capsys):
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.9", "vulns": []},
            {"name": "private-thing", "skip_reason": "not on the index"},
        ]
    }
    monkeypatch.setattr(audit_module, "run", lambda: report)
    assert audit_module.main() == 0
    out = capsys.readouterr().out
    assert "1 packages could not be looked up: private-thing" in out
    assert "1 packages checked, no known vulnerabilities" in out
