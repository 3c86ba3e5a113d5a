"""The newcomer's path: `make run` (any port), `make reset`, and the local .env the settings read.

The make targets run for real against a stand-in Python that records what it was asked to do, in a
scratch directory: nothing here touches the checkout's database, .env or virtualenv."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"  # the set-up contract: Python and make


@pytest.fixture
def checkout(tmp_path):
    """A scratch directory laid out as `make run` expects, with a virtualenv whose python logs calls."""
    for name in ["pyproject.toml", "constraints.txt"]:
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1_000_000_000, 1_000_000_000))
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "activate").write_text("")
    os.utime(bin_dir / "activate", (1_000_000_000, 1_000_000_000))
    (tmp_path / "venv" / ".installed").write_text("")
    python = bin_dir / "python"
    python.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            """
            import json, os, sys, time
            path = os.path.join(os.getcwd(), "calls.jsonl")
            if sys.argv[2:3] == ["runserver"]:
                # Make kills the worker when the server ends: let the worker write its line first.
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and "run_worker" not in open(path).read():
                    time.sleep(0.05)
            with open(path, "a") as log:
                call = {"argv": sys.argv[1:], "api_url": os.environ.get("API_PUBLIC_URL")}
                log.write(json.dumps(call) + "\\n")
            """
        )
    )
    python.chmod(0o755)
    return tmp_path


def make(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in {"API_PUBLIC_URL", "PORT", "HOST"}}
    return subprocess.run(
        [
            MAKE,
            "--no-print-directory",
            "-f",
            str(ROOT / "Makefile"),
            "-C",
            str(directory),
            *args,
            "VENV=venv",
        ],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "calls.jsonl").read_text().splitlines()]


def test_make_run_serves_on_the_port_asked_for_and_every_address_follows(checkout):
    result = make(checkout, "run", "PORT=8080")

    assert result.returncode == 0, result.stderr
    printed = re.findall(r"https?://[^\s]+", result.stdout)
    assert printed == [
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/admin/",
        "http://127.0.0.1:8080/api/v1/",
        "http://127.0.0.1:8080/api/docs/",
    ]
    served = {call["argv"][1]: call for call in calls(checkout) if call["argv"][0] == "manage.py"}
    assert served["runserver"]["argv"] == ["manage.py", "runserver", "127.0.0.1:8080"]
    # The server and the worker both put this address in webhook payloads.
    assert served["runserver"]["api_url"] == served["run_worker"]["api_url"] == "http://127.0.0.1:8080"


def test_make_run_defaults_to_port_8000_and_keeps_an_api_address_the_caller_set(checkout):
    # Some shells export HOST as the machine's name: only `make run HOST=...` changes it.
    default = make(checkout, "run", HOST="workstation.example")
    assert "Careleaf is starting on http://127.0.0.1:8000\n" in default.stdout
    assert ["manage.py", "runserver", "127.0.0.1:8000"] in [call["argv"] for call in calls(checkout)]

    (checkout / "calls.jsonl").unlink()
    make(checkout, "run", "PORT=8080", "HOST=0.0.0.0", API_PUBLIC_URL="https://api.clinic.example")
    served = {call["argv"][1]: call for call in calls(checkout) if call["argv"][0] == "manage.py"}
    assert served["runserver"]["argv"] == ["manage.py", "runserver", "0.0.0.0:8080"]
    assert served["runserver"]["api_url"] == served["run_worker"]["api_url"] == "https://api.clinic.example"

    # One set in .env is left for the settings to read.
    (checkout / "calls.jsonl").unlink()
    (checkout / ".env").write_text("DJANGO_DEBUG=true\nAPI_PUBLIC_URL=https://api.clinic.example\n")
    make(checkout, "run", "PORT=8080")
    assert {call["api_url"] for call in calls(checkout)} == {None}


def test_make_run_writes_a_debug_env_file_once_and_then_leaves_it_alone(checkout):
    make(checkout, "run")
    written = (checkout / ".env").read_text()
    assert "DJANGO_DEBUG=true" in written.splitlines()

    (checkout / ".env").write_text("DJANGO_DEBUG=true\nDJANGO_TIME_ZONE=Europe/Paris\n")
    make(checkout, "run")
    assert (checkout / ".env").read_text() == "DJANGO_DEBUG=true\nDJANGO_TIME_ZONE=Europe/Paris\n"


def test_make_reset_deletes_the_local_database_and_loads_the_demo_again(checkout):
    (checkout / "db.sqlite3").write_text("edited content")

    result = make(checkout, "reset")

    assert result.returncode == 0, result.stderr
    assert not (checkout / "db.sqlite3").exists()
    commands = [call["argv"][1] for call in calls(checkout)]
    # First the check that the database is the local SQLite file, then the reload.
    assert commands == ["shell", "migrate", "load_demo"]
    assert calls(checkout)[-1]["argv"] == ["manage.py", "load_demo", "--create-admin"]


def test_make_reset_refuses_a_database_that_is_not_the_local_sqlite_file(tmp_path):
    """The real check `make reset` runs first, against the real settings."""
    recipe = (ROOT / "Makefile").read_text().split("\nreset:", 1)[1]
    check = re.search(r'shell --verbosity 0 --no-imports -c "(.*?)" \|\|', recipe, re.S).group(1)
    check = check.replace("\\\n\t\t", "")

    def exit_code(**env):
        args = ["manage.py", "shell", "--verbosity", "0", "--no-imports", "-c", check]
        return _settings_process(args, {"DJANGO_DEBUG": "true"} | env)

    assert exit_code().returncode == 0
    assert exit_code(DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}").returncode == 1


def _settings_process(args, env):
    """A fresh interpreter with the settings' variables left out but for `env` (and no .env file
    unless `env` names one)."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CARELEAF_", "API_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "cms.settings", "CARELEAF_ENV_FILE": ""} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.TIME_ZONE, s.API_PUBLIC_URL)"
)


def test_settings_read_the_env_file_for_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comments and blank lines are skipped\n\n"
        "DJANGO_DEBUG=true\nDJANGO_TIME_ZONE=Europe/Paris\nAPI_PUBLIC_URL=http://127.0.0.1:8080\n"
    )

    from_file = _settings_process(["-c", SHOW_SETTINGS], {"CARELEAF_ENV_FILE": str(env_file)})
    environment_wins = _settings_process(
        ["-c", SHOW_SETTINGS], {"CARELEAF_ENV_FILE": str(env_file), "DJANGO_TIME_ZONE": "Asia/Tokyo"}
    )

    assert from_file.stdout.split() == ["True", "Europe/Paris", "http://127.0.0.1:8080"], from_file.stderr
    assert environment_wins.stdout.split() == ["True", "Asia/Tokyo", "http://127.0.0.1:8080"]


def test_the_env_file_turns_debug_on_for_manage_py_and_the_environment_can_turn_it_off(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=true\n")

    without = _settings_process(["manage.py", "check"], {})
    with_file = _settings_process(["manage.py", "check"], {"CARELEAF_ENV_FILE": str(env_file)})
    turned_off = _settings_process(
        ["manage.py", "check"], {"CARELEAF_ENV_FILE": str(env_file), "DJANGO_DEBUG": "false"}
    )

    assert without.returncode != 0 and "DJANGO_SECRET_KEY must be set" in without.stderr
    assert with_file.returncode == 0, with_file.stderr
    assert turned_off.returncode != 0 and "DJANGO_SECRET_KEY must be set" in turned_off.stderr


def test_only_manage_py_reads_a_checkouts_env_file_never_the_web_servers_application(tmp_path):
    """A checkout where someone once ran `make run` has a .env with DJANGO_DEBUG=true: manage.py
    reads it (local commands work as documented), but gunicorn's WSGI application must not, or it
    would come up in debug with the public development secret key instead of refusing to start."""
    shutil.copytree(ROOT / "cms", tmp_path / "cms", ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / ".env").write_text("DJANGO_DEBUG=true\n")
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CARELEAF_", "API_", "DATABASE_"))
    }
    # The copied cms package first; every app from this checkout.
    env = base | {"DJANGO_SETTINGS_MODULE": "cms.settings", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}

    def run(*args):
        return subprocess.run(
            [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    manage = run(
        "manage.py", "shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.DEBUG)"
    )
    server = run("-c", "import cms.wsgi")

    assert manage.returncode == 0 and manage.stdout.split() == ["True"], manage.stderr
    assert server.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in server.stderr


def test_a_named_env_file_that_is_missing_is_an_error(tmp_path):
    result = _settings_process(["-c", SHOW_SETTINGS], {"CARELEAF_ENV_FILE": str(tmp_path / "missing.env")})
    assert result.returncode != 0
    assert "CARELEAF_ENV_FILE names" in result.stderr


def test_the_test_suite_and_the_processes_it_starts_ignore_a_local_env_file():
    assert settings.ENV_FILE == ""
    # Inherited by every subprocess the tests start (manage.py checks, servers, workers).
    assert os.environ["CARELEAF_ENV_FILE"] == ""


def test_the_env_file_is_never_committed():
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


ENV_CALL = re.compile(r'\benv\.(?:str|bool|int|float|list|json|db|path)\(\s*"([A-Z0-9_]+)"')


def test_the_readme_documents_every_environment_variable_the_settings_read():
    source = (ROOT / "cms" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text().split("\n## Environment variables\n", 1)[1].split("\n## ")[0]
    table = {
        name
        for row in readme.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])
    }
    read = set(ENV_CALL.findall(source))
    assert len(read) > 40
    assert read - table == set()
