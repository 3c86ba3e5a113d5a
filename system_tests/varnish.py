"""Debian's varnishd in front of app servers, with deploy/varnish/careleaf.vcl: for the system tests and
bench/varnish.py. Each Varnish has its own working directory (-n), ports and VCL; nothing of the
machine's own Varnish (if any) is touched.

    varnish = start_varnish([8001, 8002], tmp_path / "varnish")           # xkey mode
    varnish = start_varnish([8001, 8002], tmp_path / "varnish", mode="ban")  # bans, no vmod xkey
    varnish.get("/api/v1/articles/")
    varnish.counters()["MAIN.cache_hit"]
    varnish.stop()
"""

import glob
import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from system_tests.app_server import ROOT, Reply, fetch, free_port

VARNISHD = Path("/usr/sbin/varnishd")
VARNISHADM = Path("/usr/bin/varnishadm")
VARNISHSTAT = Path("/usr/bin/varnishstat")
XKEY_VMOD = "/usr/lib/*/varnish/vmods/libvmod_xkey.so"
VCL = ROOT / "deploy" / "varnish" / "careleaf.vcl"
MODES = ("xkey", "ban")
INSTALL_HINT = "run .ci/install_varnish.sh (as root: apt-get install varnish varnish-modules nginx) first"


class VarnishNotInstalled(RuntimeError):
    pass


def missing() -> str:
    """Why Varnish (with vmod xkey) cannot run here, or "" when it can."""
    absent = [str(path) for path in (VARNISHD, VARNISHADM, VARNISHSTAT) if not path.exists()]
    if not glob.glob(XKEY_VMOD):
        absent.append(f"{XKEY_VMOD} (Debian's varnish-modules)")
    return f"Varnish is not installed (no {', '.join(absent)}): {INSTALL_HINT}" if absent else ""


def render_vcl(backend_ports: list[int], mode: str = "xkey") -> str:
    """careleaf.vcl with these app servers as its backends; in ban mode, without vmod xkey."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if not backend_ports:
        raise ValueError("Varnish needs at least one backend")
    backends = "".join(
        f"backend app{number} {{\n"
        f'    .host = "127.0.0.1";\n'
        f'    .port = "{port}";\n'
        f"    .probe = careleaf_health;\n"
        f"    .connect_timeout = 1s;\n"
        f"    .first_byte_timeout = 30s;\n"
        f"}}\n\n"
        for number, port in enumerate(backend_ports, start=1)
    )
    adds = "".join(f"    app.add_backend(app{number});\n" for number in range(1, len(backend_ports) + 1))
    block = f"# BEGIN backends\n{backends}sub vcl_init {{\n    new app = directors.round_robin();\n{adds}}}\n"
    vcl, replaced = re.subn(
        r"(?ms)^# BEGIN backends\n.*?^(?=# END backends)", lambda _: block, VCL.read_text()
    )
    assert replaced == 1, f"{VCL} lost its '# BEGIN backends' ... '# END backends' block"
    if mode == "ban":
        vcl = re.sub(r"(?ms)^[ \t]*# BEGIN xkey\n.*?^[ \t]*# END xkey\n", "", vcl)
        assert "xkey." not in vcl and "import xkey" not in vcl
    return vcl


@dataclass
class Varnish:
    process: subprocess.Popen
    port: int
    workdir: Path
    mode: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> Path:
        return self.workdir / "instance"

    def get(self, path: str, **options) -> Reply:
        return fetch(self.url, path, **options)

    def adm(self, *command: str) -> str:
        result = subprocess.run(
            [VARNISHADM, "-n", str(self.name), *command], capture_output=True, text=True, timeout=20
        )
        if result.returncode != 0:
            raise RuntimeError(f"varnishadm {' '.join(command)}: {result.stdout}{result.stderr}")
        return result.stdout

    def counters(self, *names: str) -> dict[str, int]:
        """varnishstat counters, e.g. MAIN.cache_hit, MAIN.cache_miss, MAIN.n_object (all without names)."""
        fields = [argument for name in names for argument in ("-f", name)]
        output = subprocess.run(
            [VARNISHSTAT, "-n", str(self.name), "-1", "-j", *fields],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        data = json.loads(output)
        data = data.get("counters", data)  # varnishstat 6.5+ nests them
        return {name: value["value"] for name, value in data.items() if isinstance(value, dict)}

    def varnishstat_hits(self) -> tuple[int, int]:
        """(MAIN.cache_hit, MAIN.cache_miss) so far."""
        counters = self.counters("MAIN.cache_hit", "MAIN.cache_miss")
        return counters["MAIN.cache_hit"], counters["MAIN.cache_miss"]

    def backend_health(self) -> dict[str, str]:
        """{"app1": "healthy"|"sick", ...} as the probes see them now."""
        health = {}
        for line in self.adm("backend.list").splitlines()[1:]:
            columns = line.split()
            if columns:
                name = columns[0].rsplit(".", 1)[-1]
                health[name] = "sick" if "sick" in columns else "healthy"
        return health

    def wait_for_health(self, state: str, timeout: float = 15) -> float:
        """Wait until every backend is ``state``; returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            health = self.backend_health()
            if health and all(value == state for value in health.values()):
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"backends not all {state} after {timeout} s: {self.backend_health()}")

    def log_tail(self, characters: int = 3000) -> str:
        return (self.workdir / "varnishd.log").read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_varnish(
    backends: list[int],
    workdir: Path,
    *,
    mode: str = "xkey",
    port: int | None = None,
    storage: str = "malloc,64m",
    threads: int | None = None,
) -> Varnish:
    """varnishd -F on 127.0.0.1:``port`` (a free one if None), in front of the app servers on these
    ports; returns once its child process is running. Raises VarnishNotInstalled without Debian's
    varnish and varnish-modules."""
    problem = missing()
    if problem:
        raise VarnishNotInstalled(problem)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    vcl = workdir / "careleaf.vcl"
    vcl.write_text(render_vcl(backends, mode))
    port = port or free_port()
    command = [
        VARNISHD,
        "-F",
        "-j",
        "none",  # no privilege separation: runs as whoever runs the tests, in a private directory
        "-n",
        str(workdir / "instance"),
        "-a",
        f"127.0.0.1:{port}",
        "-T",
        "127.0.0.1:0",
        "-f",
        str(vcl),
        "-s",
        storage,
        # Bans are tested as requests meet the objects; the lurker only tidies up, so let it run often.
        "-p",
        "ban_lurker_sleep=0.1",
    ]
    if threads:
        command += ["-p", f"thread_pool_min={threads}"]
    log = (workdir / "varnishd.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    log.close()
    varnish = Varnish(process=process, port=port, workdir=workdir, mode=mode)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"varnishd exited ({process.returncode}):\n{varnish.log_tail()}")
        try:
            if "running" in varnish.adm("status"):
                return varnish
        except RuntimeError:
            pass
        time.sleep(0.2)
    varnish.stop()
    raise RuntimeError(f"varnishd did not start within 30 s:\n{varnish.log_tail()}")
