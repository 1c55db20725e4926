"""The composition root: builds the engine, the APIs and the ASGI app. No logic lives here."""

from __future__ import annotations

import logging

from aerostore.access.control import AccessControl
from aerostore.access.secrets import SecretBox
from aerostore.audit import query as audit_query
from aerostore.audit.http import AuditApi
from aerostore.audit.recorder import Auditor
from aerostore.auth.keys import RootKeys, UserKeys
from aerostore.blueprint import apply as blueprint
from aerostore.config import Config, Credentials
from aerostore.events.relay import Relay
from aerostore.events.targets import load_targets
from aerostore.firehose import runtime as firehose_runtime
from aerostore.firehose.api import FirehoseApi
from aerostore.firehose.store import append_many_sync, append_sync
from aerostore.http.asgi import App, Lifecycle, RoutedApi
from aerostore.lifecycle.worker import LifecycleWorker
from aerostore.s3.api import S3Api
from aerostore.sqs import store as queue_store
from aerostore.sqs.api import SqsApi
from aerostore.sqs.service import QueueService
from aerostore.storage.engine import Engine
from aerostore.tiering import settings as archive_settings
from aerostore.tiering.service import ArchiveService
from aerostore.worker.http import MediaApi
from aerostore.worker.index import FILE_NAME as MEDIA_INDEX
from aerostore.worker.inprocess import InProcessWorkers

log = logging.getLogger("aerostore")


class Bootstrap:
    """Applies the architecture file once the engine is up (the platform's queues and buckets)."""

    def __init__(self, engine: Engine, queues: QueueService, config: Config, owner: str) -> None:
        self.engine, self.queues, self.config, self.owner = engine, queues, config, owner

    async def start(self) -> None:
        queue_specs = blueprint.load_queues(self.config.blueprint)
        queue_arns = await blueprint.apply_queues(self.queues.ensure_queue, queue_specs)
        specs = blueprint.load(self.config.blueprint)
        created = await blueprint.apply(self.engine, specs, self.owner, self.config.region, queue_arns)
        if created:
            log.info("created buckets %s", ", ".join(created))

    async def close(self) -> None:
        return None


def build_app(config: Config, credentials: Credentials) -> App:
    tier, archive = archive_settings.from_config(config)
    engine = Engine(config.data_dir, region=config.region, fsync=config.fsync, archive_tier=tier,
                    archive=archive)  # fmt: skip
    keys = UserKeys(RootKeys(credentials.user, credentials.password), engine.db.reader,
                    SecretBox.load(config.data_dir))  # fmt: skip
    access = AccessControl(engine, default_ownership=config.default_object_ownership)
    queues = QueueService(engine.db, region=config.region)
    relay = Relay(engine.db, engine.notifier, queues=queues, enqueue=queue_store.enqueue_sync,
                  targets=load_targets(config.targets))  # fmt: skip
    s3 = S3Api(engine, keys, region=config.region, domains=config.domains,
               destination_exists=relay.destination_exists, access=access,
               day_seconds=config.lifecycle_day_seconds)  # fmt: skip
    bootstrap = Bootstrap(engine, queues, config, credentials.user)
    # The image workers reach the server over HTTP: started last, once everything else is up.
    workers = InProcessWorkers(config, credentials)
    media = MediaApi(config.data_dir / MEDIA_INDEX, keys)
    # The auditor comes last, so it stops first: its final flush reaches the delivery stream's buffer.
    auditor = Auditor(engine.db, append_sync, append_many=append_many_sync,
                      flush_interval=config.audit_flush_interval)  # fmt: skip
    own = audit_query.local_endpoint(config.host, config.port, config.tls_cert is not None, credentials.user,
                                     credentials.password, config.region)  # fmt: skip
    # Delivery streams after the buckets exist; they stop after the auditor's last flush.
    firehose, loopback = firehose_runtime.build(config, credentials, engine.db)
    # Lifecycle passes once the buckets and their default rules exist; it stops before the delivery
    # streams, so the audit records of its last actions are in their buffer.
    lifecycle = LifecycleWorker(engine, day_seconds=config.lifecycle_day_seconds,
                                append=append_sync if config.audit else None)  # fmt: skip
    archiver = ArchiveService(engine)  # transitions' leftovers, PUTs straight to GLACIER, restores
    services: list[Lifecycle] = [engine, archiver, queues, relay, bootstrap, firehose, lifecycle, workers]
    routes: list[RoutedApi] = [SqsApi(queues, keys), FirehoseApi(firehose, keys), media, AuditApi(own, keys)]
    if not config.audit:
        app = App(s3, services=services, routes=routes)
    else:
        app = App(s3, services=[*services, auditor], routes=routes, audit=auditor)
    loopback.app = app  # deliveries reach this app's S3 API in process
    return app
