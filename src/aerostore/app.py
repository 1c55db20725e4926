"""The composition root: builds the engine, the APIs and the ASGI app. No logic lives here."""

from __future__ import annotations

import logging

from aerostore.auth.keys import RootKeys
from aerostore.blueprint import apply as blueprint
from aerostore.config import Config, Credentials
from aerostore.http.asgi import App
from aerostore.s3.api import S3Api
from aerostore.storage.engine import Engine

log = logging.getLogger("aerostore")


class Bootstrap:
    """Applies the architecture file once the engine is up (creates the platform's buckets)."""

    def __init__(self, engine: Engine, config: Config, owner: str) -> None:
        self.engine, self.config, self.owner = engine, config, owner

    async def start(self) -> None:
        specs = blueprint.load(self.config.blueprint)
        created = await blueprint.apply(self.engine, specs, self.owner, self.config.region)
        if created:
            log.info("created buckets %s", ", ".join(created))

    async def close(self) -> None:
        return None


def build_app(config: Config, credentials: Credentials) -> App:
    engine = Engine(config.data_dir, region=config.region, fsync=config.fsync)
    keys = RootKeys(credentials.user, credentials.password)
    s3 = S3Api(engine, keys, region=config.region, domains=config.domains)
    return App(s3, services=[engine, Bootstrap(engine, config, credentials.user)])
