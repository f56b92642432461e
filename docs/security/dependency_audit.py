"""Dependency audit for `make check`: pip-audit over the project's virtualenv, never a
silent pass.

pip-audit asks an online vulnerability service about every installed package. Offline, it
skips each package ("could not be audited") and still prints "No known vulnerabilities
found" with exit status 0: a pass that checked nothing. This wrapper reads its JSON
report instead and says which of three things happened:

- every package was checked and none is vulnerable: "dependency audit: N packages, no
  known vulnerabilities" (exit 0);
- a package has a known vulnerability: each is listed (exit 1, the check fails);
- nothing could be checked (no network, or the service is unreachable): "dependency
  audit: not run (no network)" (exit 0: a machine without network cannot answer, and
  says so plainly). Packages that could not be checked when others were are named.

Run: `.venv/bin/python docs/security/dependency_audit.py` (make check does).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
TIMEOUT_SECONDS = 180
# Our own package (installed editable) is not on any index: nothing to look up.
OWN = {"reunite"}


def run() -> dict | None:
    """pip-audit's JSON report, or None when it could not run at all."""
    if not PIP_AUDIT.exists():
        print("dependency audit: not run (pip-audit is not installed: make .venv/.installed)")
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list: our own tool, no shell
            [str(PIP_AUDIT), "--local", "--format", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"dependency audit: not run (no network: no answer in {TIMEOUT_SECONDS} s)")
        return None
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        reason = (done.stderr.strip().splitlines() or ["no report"])[-1]
        print(f"dependency audit: not run (no network: {reason[:200]})")
        return None


def main() -> int:
    report = run()
    if report is None:
        return 0
    packages = [d for d in report.get("dependencies", []) if d["name"] not in OWN]
    skipped = [d for d in packages if "skip_reason" in d]
    checked = [d for d in packages if "skip_reason" not in d]
    vulnerable = [d for d in checked if d.get("vulns")]
    if not checked:
        print(
            f"dependency audit: not run (no network: none of {len(packages)} packages "
            "could be looked up)"
        )
        return 0
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            print(
                f"dependency audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})"
            )
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        print(f"dependency audit: {len(skipped)} packages could not be looked up: {names}")
    if vulnerable:
        print(f"dependency audit: FAILED, {len(vulnerable)} vulnerable of {len(checked)} checked")
        return 1
    print(f"dependency audit: {len(checked)} packages checked, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
