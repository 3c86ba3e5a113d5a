"""Audit the pinned dependencies (constraints.txt) with pip-audit; fail on any known vulnerability.

pip-audit asks PyPI's JSON API for each package's advisories. Where that API cannot be reached
(a registry mirror without it, as on our CI machines), pip-audit skips every package and would
still print "No known vulnerabilities found"; this script says plainly how many packages were
actually audited instead. CI fails when any audited package has a known vulnerability, or when
CARELEAF_AUDIT_REQUIRED=1 and some package could not be audited.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "pip-audit"),
            "--requirement",
            str(ROOT / "constraints.txt"),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        print("pip-audit failed to run")
        return 1
    dependencies = report["dependencies"]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        ids = ", ".join(vuln["id"] for vuln in dep["vulns"])
        print(f"VULNERABLE: {dep['name']} {dep['version']}: {ids}")
    print(
        f"pip-audit: {len(dependencies)} pinned packages, {audited} audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(skipped)} not audited"
    )
    if skipped:
        reason = skipped[0]["skip_reason"]
        print(f"NOT AUDITED ({len(skipped)}): the advisory service was unreachable, e.g. {reason}")
    if vulnerable:
        return 1
    if skipped and os.environ.get("CARELEAF_AUDIT_REQUIRED") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
