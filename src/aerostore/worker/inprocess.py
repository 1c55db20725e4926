"""``aerostore serve --image-workers N``: the standalone worker's code, run in the server's process.

It talks to the server as any client does, over HTTP at the server's own address with the
root credentials: the same S3 and SQS calls it makes against AWS, so both modes are one code
path. The lifespan starts services before uvicorn listens, so a thread waits for the socket.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

from aerostore.blueprint import apply as blueprint
from aerostore.config import Config, Credentials
from aerostore.worker.index import FILE_NAME
from aerostore.worker.runner import ImageWorker
from aerostore.worker.settings import WorkerSettings

log = logging.getLogger("aerostore.worker")

PROCESSED_ROLE = "processed"
QUEUE_ROLE = "image_processing"
# uvicorn finishes the requests in flight before the lifespan shutdown that stops the worker:
# a 20 s long poll would hold every shutdown for up to 20 s. 2 s costs one idle request per 2 s.
IN_PROCESS_POLL_SECONDS = 2
STARTUP_TIMEOUT = 60.0


class InProcessWorkers:
    """A lifecycle service: the image worker in threads, started once the server accepts connections."""

    def __init__(self, config: Config, credentials: Credentials) -> None:
        self.config = config
        self.credentials = credentials
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        if self.config.image_workers <= 0:
            return
        settings = self.settings()
        if settings is None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(settings,), name="image-workers", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10.0)
            self._thread = None

    def settings(self) -> WorkerSettings | None:
        """The worker's settings from the architecture file, or None when it has no image queue."""
        buckets = {spec.role: spec.name for spec in blueprint.load(self.config.blueprint)}
        queues = {spec.role: spec.name for spec in blueprint.load_queues(self.config.blueprint)}
        if PROCESSED_ROLE not in buckets or QUEUE_ROLE not in queues:
            log.warning(
                "image workers off: the architecture file has no %s bucket or %s queue",
                PROCESSED_ROLE,
                QUEUE_ROLE,
            )
            return None
        return WorkerSettings(
            queue_name=queues[QUEUE_ROLE],
            s3_endpoint=self.endpoint,
            region=self.config.region,
            access_key=self.credentials.user,
            secret_key=self.credentials.password,
            # Our own certificate, reached at a loopback address it may not name.
            verify=False if self.config.tls_cert else None,
            processed_bucket=buckets[PROCESSED_ROLE],
            concurrency=self.config.image_workers,
            index_path=self.config.data_dir / FILE_NAME,
            wait_seconds=IN_PROCESS_POLL_SECONDS,
        )

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.config.tls_cert else "http"
        return f"{scheme}://{_format_host(self._connect_host())}:{self.config.port}"

    def _connect_host(self) -> str:
        host = self.config.host
        if host in ("", "0.0.0.0"):
            return "127.0.0.1"
        return "::1" if host == "::" else host

    def _run(self, settings: WorkerSettings) -> None:
        if not _wait_for_port(self._connect_host(), self.config.port, self._stop):
            return
        if self.config.tls_cert:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        try:
            ImageWorker(settings).run(self._stop, drain_seconds=5.0)
        except Exception:
            log.exception("image workers stopped")


def _format_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _wait_for_port(host: str, port: int, stop: threading.Event) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return True
        except OSError:
            stop.wait(0.05)
    if not stop.is_set():
        log.error("image workers off: the server did not listen on %s:%d", host, port)
    return False
