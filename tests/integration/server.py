"""Start a real `python -m aerostore serve` subprocess on a free port, for tests and crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT_USER = "aerotestadmin"
ROOT_PASSWORD = "aerotest-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    data_dir: Path
    port: int
    tls: tuple[Path, Path] | None = None
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    # In-process image workers would consume image-processing, which tests read themselves: off
    # unless a test asks for them.
    image_workers: int = 0

    @property
    def endpoint(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(AEROSTORE_ROOT_USER=ROOT_USER, AEROSTORE_ROOT_PASSWORD=ROOT_PASSWORD, PYTHONUNBUFFERED="1")
        return env

    def start(self, timeout: float = 20.0) -> Server:
        args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(self.data_dir),
                "--address", f"127.0.0.1:{self.port}", "--image-workers", str(self.image_workers),
                *self.extra_args]  # fmt: skip
        if self.tls:
            args += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(args, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                requests.get(self.endpoint, timeout=1, verify=str(self.tls[0]) if self.tls else True)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
