"""Schema fuzzing: schemathesis drives a real gunicorn serving the demo content from the API's own
/api/schema/, with every check, valid and invalid data, and a fixed seed. Run by .ci/run with the other
system tests:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careleaf \\
        .venv/bin/pytest system_tests/test_schemathesis.py -p no:cacheprovider -rP

The server gets a database of its own, created beside DATABASE_URL's and dropped afterwards (a
temporary SQLite file when DATABASE_URL is not PostgreSQL). The reports go to
system_tests/artifacts/schemathesis/; the check settings the command line cannot hold are in
system_tests/schemathesis.toml, and docs/testing.md (Schema fuzzing) says why.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from system_tests.app_server import AppServer, manage, production_env

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts" / "schemathesis"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SEED = 20261124
MAX_EXAMPLES = 50
PHASES = ["examples", "coverage", "fuzzing", "stateful"]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A scratch database for the fuzz run, so it never meets another test's rows."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('schemathesis-db') / 'db.sqlite3'}"
        return
    name = f"careleaf_schemathesis_{os.getpid()}"
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    # No rate limit: the fuzzer is one client sending a thousand requests on purpose, and would
    # otherwise test the 429 (tests/test_cms_guard.py does) instead of the endpoints.
    env = production_env(database_url, API_ANON_RATE="")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("load_demo", env=env)
    app = AppServer(env, tmp_path_factory.mktemp("schemathesis-server") / "gunicorn.log", workers=2)
    yield app
    app.stop()
    shutil.copy(app.log, ARTIFACTS / "gunicorn.log")


def _command(base: str) -> list[str]:
    return [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{base}/api/schema/",
        "--checks",
        "all",
        # Replaced by whole_or_selected_answer_conforms (system_tests/schemathesis_hooks.py), which
        # runs it on every answer but a fields= selection, and checks a selection against the whole.
        "--exclude-checks",
        "response_schema_conformance",
        "--mode",
        "all",
        "--phases",
        ",".join(PHASES),
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        # One worker: the same requests in the same order on every run.
        "--workers",
        "1",
        # No example database: Hypothesis would replay earlier runs' cases and break the seed's promise.
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "junit,ndjson",
        "--report-junit-path",
        str(ARTIFACTS / "junit.xml"),
        "--report-ndjson-path",
        str(ARTIFACTS / "events.ndjson"),
    ]


def _tally(events_file: Path) -> tuple[dict, Counter, Counter, list]:
    """From the event stream: cases per operation and phase, check results, response statuses,
    and the scenarios that did not pass."""
    cases = defaultdict(Counter)
    checks, statuses, unfinished = Counter(), Counter(), []
    for line in events_file.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished is None:
            continue
        if finished["status"] not in ("success", "skip"):
            unfinished.append(finished)
        recorder = finished["recorder"]
        for case in recorder.get("cases", {}).values():
            value = case["value"]
            mode = value.get("meta", {}).get("generation", {}).get("mode", "")
            cases[f"{value['method']} {value['path']}"][(finished["phase"], mode)] += 1
        for results in recorder.get("checks", {}).values():
            checks.update((result["name"], result["status"]) for result in results)
        for interaction in recorder.get("interactions", {}).values():
            statuses[(interaction.get("response") or {}).get("status_code")] += 1
    return cases, checks, statuses, unfinished


def _table(cases: dict, operations: set[str]) -> str:
    """Cases per operation, phase and kind of data; the methods the schema does not declare (sent by
    the coverage phase, each expecting a 405) on one line."""
    columns = [(phase, mode) for phase in PHASES for mode in ("positive", "negative")]
    labels = [f"{phase}{'+' if mode == 'positive' else '-'}" for phase, mode in columns]
    lines = [f"{'operation':<32}" + "".join(f"{label:>11}" for label in labels) + f"{'total':>7}"]
    for operation in sorted(operations):
        counts = cases[operation]
        lines.append(
            f"{operation:<32}"
            + "".join(f"{counts[column]:>11}" for column in columns)
            + f"{counts.total():>7}"
        )
    undeclared = sum(counts.total() for operation, counts in cases.items() if operation not in operations)
    lines.append(f"methods the schema does not declare (coverage phase): {undeclared}")
    return "\n".join(lines)


def test_schemathesis_finds_no_failure_against_the_api_schema(server, tmp_path):
    command = _command(server.base)
    started = time.monotonic()
    # In an empty directory: schemathesis and Hypothesis keep caches in the working directory, and a
    # cache from an earlier run would make this one differ.
    hooks = {"SCHEMATHESIS_HOOKS": "system_tests.schemathesis_hooks", "PYTHONPATH": str(HERE.parent)}
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=os.environ | hooks
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    (ARTIFACTS / "output.txt").write_text(output)

    schema = json.loads(server.get("/api/schema/", headers={"Accept": "application/json"}).body)
    operations = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}
    cases, checks, statuses, unfinished = _tally(ARTIFACTS / "events.ndjson")
    failed_checks = {name: count for (name, status), count in checks.items() if status != "success"}
    summary = "\n".join(
        [
            "$ " + " ".join(command[1:]),
            f"{len(operations)} operations; cases by phase (+ valid data, - invalid data):",
            _table(cases, operations),
            f"{sum(counts.total() for counts in cases.values())} cases, "
            f"{sum(checks.values())} check results, failed: {failed_checks or 0}",
            f"statuses: {dict(sorted(statuses.items(), key=str))}",
            f"schemathesis exit code {result.returncode}, {seconds:.1f} s",
        ]
    )
    (ARTIFACTS / "summary.txt").write_text(summary + "\n")
    print(summary)

    assert result.returncode == 0, output[-6000:]
    assert not failed_checks and not unfinished, (failed_checks, unfinished)
    # The schema's own conformance check ran, as the hooks' check, on every answer.
    assert checks[("whole_or_selected_answer_conforms", "success")] > 0, checks
    for operation in operations:
        fuzzed = cases[operation][("fuzzing", "positive")] + cases[operation][("fuzzing", "negative")]
        assert fuzzed >= MAX_EXAMPLES, (operation, cases[operation])
    # The run reached the API and the API answered both ways: pages, refusals, unknown slugs, 405s.
    assert {200, 400, 404, 405} <= set(statuses), statuses
