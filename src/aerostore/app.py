"""The composition root: builds the engine, the APIs and the ASGI app. No logic lives here."""

from __future__ import annotations

import logging

from aerostore.auth.keys import RootKeys
from aerostore.blueprint import apply as blueprint
from aerostore.config import Config, Credentials
from aerostore.events.relay import Relay
from aerostore.events.targets import load_targets
from aerostore.http.asgi import App
from aerostore.s3.api import S3Api
from aerostore.sqs import store as queue_store
from aerostore.sqs.api import SqsApi
from aerostore.sqs.service import QueueService
from aerostore.storage.engine import Engine
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
    engine = Engine(config.data_dir, region=config.region, fsync=config.fsync)
    keys = RootKeys(credentials.user, credentials.password)
    queues = QueueService(engine.db, region=config.region)
    relay = Relay(engine.db, engine.notifier, queues=queues, enqueue=queue_store.enqueue_sync,
                  targets=load_targets(config.targets))  # fmt: skip
    s3 = S3Api(engine, keys, region=config.region, domains=config.domains,
               destination_exists=relay.destination_exists)  # fmt: skip
    bootstrap = Bootstrap(engine, queues, config, credentials.user)
    # The image workers reach the server over HTTP: started last, once everything else is up.
    workers = InProcessWorkers(config, credentials)
    media = MediaApi(config.data_dir / MEDIA_INDEX, keys)
    return App(s3, services=[engine, queues, relay, bootstrap, workers], routes=[SqsApi(queues, keys), media])
