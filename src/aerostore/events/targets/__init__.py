"""External notification targets: where the outbox relay delivers bucket events beyond the embedded queue.

Each target's client library is imported only when the target first connects, so the embedded default
needs none of them (``pip install 'aerostore[targets]'`` brings them all).
"""

from aerostore.events.targets.base import (
    DEFAULT_TIMEOUT,
    Delivery,
    RelaySettings,
    Target,
    TargetError,
    TargetOptions,
)
from aerostore.events.targets.loader import (
    ARN_PREFIX,
    TARGET_TYPES,
    load_targets,
    load_targets_file,
    target_arn,
)

__all__ = [
    "ARN_PREFIX",
    "DEFAULT_TIMEOUT",
    "TARGET_TYPES",
    "Delivery",
    "RelaySettings",
    "Target",
    "TargetError",
    "TargetOptions",
    "load_targets",
    "load_targets_file",
    "target_arn",
]
