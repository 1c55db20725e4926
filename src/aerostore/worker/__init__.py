"""The image worker: S3 events in, renditions and a media index out (docs/worker.md).

It reaches objects only through the S3 API and the queue only through the SQS API, so the
same code runs inside ``aerostore serve`` and standalone against AWS S3 + SQS.
"""

from __future__ import annotations

import os


def default_concurrency() -> int:
    """Images processed at once by default: one per core."""
    return os.cpu_count() or 1
