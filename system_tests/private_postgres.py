"""A PostgreSQL server of the test's own: stopped, frozen and restarted without touching the
machine's cluster, which other test runs share.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg

from system_tests.app_server import free_port

# Debian's layout; CI_POSTGRES_BIN names another directory holding initdb, pg_ctl and postgres.
DEFAULT_BIN = "/usr/lib/postgresql/15/bin"


def _signal(pid: int, signum: int) -> None:
    """Signal one server process; a session that ended since it was listed is simply gone (a
    backend of a request that just finished exits between the listing and the signal)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def postgres_bin() -> Path | None:
    """The directory with initdb and pg_ctl, or None if this machine has none."""
    candidates = [os.environ.get("CI_POSTGRES_BIN"), DEFAULT_BIN]
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(result.stdout.strip())
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


class PrivatePostgres:
    """initdb into a temporary directory, serve on a free port; destroy() removes every trace."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="careleaf-faults-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        try:
            if os.geteuid() == 0:
                # initdb refuses to run as root: the cluster belongs to the postgres user.
                shutil.chown(self.root, "postgres", "postgres")
            self._run("initdb", "-D", self.data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
            self.start()
            with self.connect("postgres") as connection:
                connection.execute("CREATE DATABASE careleaf")
        except BaseException:
            self.destroy()
            raise

    def url(self, dbname: str = "careleaf") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "careleaf") -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5)

    def start(self) -> None:
        # fsync off: the test never needs its data to survive a power cut, only a crash.
        server_options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o", server_options, "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def is_running(self) -> bool:
        return self._run("pg_ctl", "-D", self.data, "status", check=False).returncode == 0

    def freeze(self, *, backends: bool) -> None:
        """SIGSTOP the postmaster (no new connections), and with backends, every session too."""
        pids = self.processes() if backends else self.processes()[:1]
        for pid in pids:
            _signal(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.processes():
            _signal(pid, signal.SIGCONT)

    def processes(self) -> list[int]:
        """The postmaster first, then its children (backends and background workers)."""
        try:
            postmaster = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    # The field after the parenthesised command name is the state, then the ppid.
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    def destroy(self) -> None:
        try:
            self.thaw()
            if self.is_running():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr}\n{log}")
        return result
