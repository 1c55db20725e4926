"""Queue names, URLs and ARNs.

A queue URL is ``{scheme}://{Host header}/{account id}/{queue name}``, so the URL a client gets
back is one it can reach; its ARN is ``arn:aws:sqs:{region}:{account id}:{queue name}``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from aerostore.sqs import errors

DEFAULT_ACCOUNT_ID = "000000000000"
FIFO_SUFFIX = ".fifo"

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_BAD_NAME = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


def is_fifo(name: str) -> bool:
    return name.endswith(FIFO_SUFFIX)


def check_name(name: str) -> None:
    """1 to 80 of ``[A-Za-z0-9_-]``; a FIFO queue's ``.fifo`` suffix counts towards the 80."""
    stem = name[: -len(FIFO_SUFFIX)] + "_fifo" if is_fifo(name) else name
    if not _NAME.fullmatch(stem):
        raise errors.InvalidParameterValue(_BAD_NAME)


def queue_url(base: str, account_id: str, name: str) -> str:
    """``base`` is ``scheme://host[:port]`` as the client addressed the server."""
    return f"{base}/{account_id}/{name}"


def queue_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account_id}:{name}"


def name_from_arn(arn: str, region: str, account_id: str) -> str | None:
    """The queue name of ``arn`` if it names a queue of this region and account, else None."""
    prefix = f"arn:aws:sqs:{region}:{account_id}:"
    if not arn.startswith(prefix):
        return None
    name = arn[len(prefix) :]
    try:
        check_name(name)
    except errors.SqsError:
        return None
    return name


def name_from_url(url: str, account_id: str) -> str:
    """The queue name in a queue URL. Any host is accepted: clients reach us by many names.

    A URL that is not ``.../{account}/{name}`` is ``InvalidAddress``; one that names another
    account, or a queue that cannot exist, does not exist.
    """
    path = urlsplit(url).path if "://" in url else url
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) != 2 or not all(parts):
        raise errors.InvalidAddress(f"The address {url} is not valid for this endpoint.")
    account, name = parts
    if account != account_id:
        raise errors.QueueDoesNotExist()
    return name
