"""A real gunicorn serving Careleaf with production settings, and timed HTTP requests to it."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, **overrides: str) -> dict:
    """The environment of a production-like process: none of the caller's DJANGO_*, no Redis."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "API_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    return inherited | {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "fault-tests-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        # The rate limit stays on (its cache operations are part of what is measured), far above
        # what any test sends.
        "API_ANON_RATE": "100000/min",
        **overrides,
    }


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Reply:
    status: int | None  # None: the connection closed or timed out without an answer
    seconds: float
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error: str = ""


def fetch(base: str, path: str, *, method="GET", body=None, headers=None, timeout: float = 30) -> Reply:
    """One request on a new connection, timed; a dropped connection is a Reply without a status."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        # Set-Cookie may repeat: kept as a list, every other header as its last value.
        reply_headers = {name.lower(): value for name, value in response.getheaders()}
        reply_headers["set-cookie"] = response.headers.get_all("Set-Cookie") or []
        return Reply(response.status, time.monotonic() - started, reply_headers, content)
    except (OSError, http.client.HTTPException) as error:
        return Reply(None, time.monotonic() - started, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


class AppServer:
    """gunicorn cms.wsgi:application on a free port; stop() ends it and its workers."""

    def __init__(self, env: dict, log: Path, *, workers: int = 2, timeout: int = 30):
        self.base = f"http://127.0.0.1:{free_port()}"
        self.log = log
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "cms.wsgi:application",
                    "--workers",
                    str(workers),
                    "--timeout",
                    str(timeout),
                    "--bind",
                    self.base.removeprefix("http://"),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self._wait_until_up()

    def get(self, path: str, **options) -> Reply:
        return fetch(self.base, path, **options)

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM waits for workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            if self.get("/api/v1/", timeout=5).status == 200:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 30 s:\n{self.log_tail()}")


class SilentServer:
    """A TCP server that accepts connections and never answers: a hung Redis, as clients see it."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)  # so the accepting thread notices close()
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(client)

    def close(self) -> None:
        self.closing.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for client in self.accepted:
            client.close()
