"""The engine imports without Django or any other reunite package."""

import subprocess
import sys


def test_import_pulls_in_no_framework():
    code = (
        "import sys, reunite.matching, reunite.matching.link, reunite.matching.cli, reunite.matching.synth;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'}"
        " or (m.startswith('reunite.') and not m.startswith('reunite.matching')));"
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    # Fixed arguments: our own interpreter running a constant snippet.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
