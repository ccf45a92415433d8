"""A load run: the site served by gunicorn on loopback, measured with wrk.

Each target is first fetched once to check its status and size, then loaded by wrk with
a fixed number of connections for a fixed time (after an unmeasured warm-up of the same
length's fifth), then fetched again. wrk's own Lua hook prints throughput, latency
percentiles and errors; a run whose mean response size is not the checked size (a
redirect to the sign-in page, say) counts its requests as errors.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
BASE_DIR = Path(__file__).resolve().parents[1]


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Result:
    target: Target
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    mean_bytes: float
    checked_bytes: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: where it listens and the secrets the caller signs in with."""

    url: str
    secret_key: str
    floor_file: Path


@contextmanager
def gunicorn(*, workers: int, threads: int = 1, env: dict[str, str]) -> Iterator[Server]:
    """Serve the site (with the floor view) with production settings on a loopback port."""
    port = free_port()
    secret_key = secrets.token_urlsafe(50)
    with tempfile.TemporaryDirectory(prefix="weekly-bench-") as tmp:
        floor_file = Path(tmp) / "floor.html"
        floor_file.write_bytes(b"")
        server_env = {
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "WEEKLY_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "WEEKLY_BENCH_FLOOR_FILE": str(floor_file),
            "WEEKLY_BENCH_STATIC_ROOT": str(Path(tmp) / "static"),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env=server_env,
            check=True,
        )
        log = open(Path(tmp) / "gunicorn.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "weekly.wsgi",
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers),
                "--threads", str(threads),
                "--backlog", "2048",
                "--log-level", "warning",
            ],
            cwd=BASE_DIR,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, Path(tmp) / "gunicorn.log")
            yield Server(url=url, secret_key=secret_key, floor_file=floor_file)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError("gunicorn stopped:\n" + log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise BenchError("gunicorn did not answer /healthz within 60 s")


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed (Debian: apt-get install wrk)")
    return path


def measure(
    server: Server, target: Target, *, connections: int, seconds: int, threads: int = 1
) -> Result:
    """Check the target, warm it up, load it for ``seconds`` and check it again."""
    url = server.url + target.path
    status, body, _ = fetch(url, target.headers)
    if status != target.status:
        raise BenchError(f"{target.label}: {target.path} answered {status}, not {target.status}")
    header_args = [
        arg for name, value in target.headers.items() for arg in ("-H", f"{name}: {value}")
    ]
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", "--timeout", "5s",
               "-s", str(WRK_SCRIPT), *header_args]  # fmt: skip
    subprocess.run([*command, f"-d{max(1, seconds // 5)}s", url], capture_output=True, check=True)
    run = subprocess.run(
        [*command, f"-d{seconds}s", url], capture_output=True, text=True, check=True
    )
    figures = _wrk_figures(run.stdout)
    status_after, _, _ = fetch(url, target.headers)
    requests = figures["requests"]
    mean_bytes = figures["bytes"] / requests if requests else 0.0
    errors = count_errors(figures, checked_bytes=len(body), still_ok=status_after == target.status)
    return Result(
        target=target,
        requests=requests,
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=errors,
        mean_bytes=mean_bytes,
        checked_bytes=len(body),
    )


def count_errors(figures: dict[str, int], *, checked_bytes: int, still_ok: bool) -> int:
    """wrk's errors (sockets, timeouts, answers other than 2xx and 3xx); at least one if
    nothing was answered or the target failed its check afterwards; every request if
    the answers were not the checked page (each carries headers besides the body, but a
    page turned into a redirect to the sign-in page or an error page is far off)."""
    requests = figures["requests"]
    errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    if not still_ok or requests == 0:
        errors = max(errors, 1)
    mean_bytes = figures["bytes"] / requests if requests else 0.0
    if requests and not (checked_bytes <= mean_bytes <= checked_bytes + 2048):
        errors = requests
    return errors


def _wrk_figures(output: str) -> dict[str, int]:
    for line in output.splitlines():
        if line.startswith("WRK-RESULT "):
            return {k: int(v) for k, v in (part.split("=") for part in line.split()[1:])}
    raise BenchError("wrk printed no result:\n" + output[-2000:])
