"""Tag sets on the wire: the ``<Tagging>`` document, the ``x-amz-tagging`` header, AWS's limits.

Pure functions: they parse and check, the engine stores. Limits and messages are AWS's, as
recorded against S3 (LocalStack's validated snapshots at 8b9a79f; versitygw's catalog and its
tests at 5d9d548, some of which run against AWS directly; S3 answers quoted in public issues):
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from enum import Enum
from urllib.parse import unquote_plus

from aerostore.s3 import errors, xml

MAX_KEY_CHARS = 128
MAX_VALUE_CHARS = 256
RESERVED_PREFIX = "aws:"
# Besides Unicode letters, numbers and white space (AWS's pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*).
_SYMBOLS = frozenset("_.:/=+-@")
_HEADER_REFUSED = (
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "
    "without tag name duplicates."
)
_KEY_INVALID = "The TagKey you have provided is invalid"
_VALUE_INVALID = "The TagValue you have provided is invalid"


class Scope(Enum):
    """What a tag set is attached to: the limits and the ``aws:`` refusal differ."""

    OBJECT = "object"
    BUCKET = "bucket"

    @property
    def limit(self) -> int:
        return 10 if self is Scope.OBJECT else 50

    def too_many(self) -> errors.S3Error:
        if self is Scope.OBJECT:
            return errors.BadRequest("Object tags cannot be greater than 10")
        return errors.BadRequest("Bucket tag count cannot be greater than 50")

    def reserved(self, key: str) -> errors.S3Error:
        if self is Scope.OBJECT:
            return errors.InvalidTag("Your TagKey cannot be prefixed with aws:", TagKey=key)
        return errors.InvalidTag("System tags cannot be added/updated by requester", TagKey=key)


def _allowed(text: str) -> bool:
    return all(c in _SYMBOLS or unicodedata.category(c)[0] in "LNZ" for c in text)


def check(pairs: Iterable[tuple[str, str]], scope: Scope) -> dict[str, str]:
    """The tag set as a dict in the order given, or the InvalidTag / BadRequest AWS answers.

    Lengths count Unicode characters. A duplicate key is refused, never merged.
    """
    pairs = list(pairs)
    if len(pairs) > scope.limit:
        raise scope.too_many()
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise errors.InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        if key.startswith(RESERVED_PREFIX):
            raise scope.reserved(key)
        if not 1 <= len(key) <= MAX_KEY_CHARS or not _allowed(key):
            raise errors.InvalidTag(_KEY_INVALID, TagKey=key)
        if len(value) > MAX_VALUE_CHARS or not _allowed(value):
            raise errors.InvalidTag(_VALUE_INVALID, TagKey=key, TagValue=value)
        tags[key] = value
    return tags


def parse_document(body: bytes, scope: Scope) -> dict[str, str]:
    """A ``<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>`` request body.

    A Tag without its Key or Value is MalformedXML; a missing or empty TagSet is the empty set,
    which AWS accepts (and which removes the tags).
    """
    root = xml.parse(body, "Tagging")
    tag_set = root.find("TagSet")
    pairs = []
    for tag in [] if tag_set is None else tag_set.findall("Tag"):
        key, value = xml.text(tag, "Key"), xml.text(tag, "Value")
        if key is None or value is None:
            raise errors.MalformedXML()
        pairs.append((key, value))
    return check(pairs, scope)


def parse_header(value: str | None) -> dict[str, str]:
    """``x-amz-tagging: k1=v1&k2=v2``, URL-encoded as a query string.

    A bare ``k`` (or ``k=``) is the empty value and empty pairs are skipped, as S3 does. A pair
    with a second raw ``=``, an empty key or a repeated key is InvalidArgument: S3 refuses the
    encoding there, and checks the decoded tags as it checks a ``<Tagging>`` document. S3 does
    not keep the header's order, so the set is kept in key order.
    """
    if value is None:
        return {}
    pairs: dict[str, str] = {}
    for pair in value.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        if "=" in raw_value or not raw_key:
            raise _header_refused(value)
        try:
            key, text = unquote_plus(raw_key, errors="strict"), unquote_plus(raw_value, errors="strict")
        except UnicodeDecodeError:
            raise _header_refused(value) from None
        if key in pairs:
            raise _header_refused(value)
        pairs[key] = text
    return check(sorted(pairs.items()), Scope.OBJECT)


def _header_refused(value: str) -> errors.S3Error:
    return errors.InvalidArgument(_HEADER_REFUSED, ArgumentName="x-amz-tagging", ArgumentValue=value)


def document(tags: Mapping[str, str]) -> bytes:
    """GetObjectTagging's and GetBucketTagging's answer, tags in the order stored."""
    entries: list[tuple[str, xml.Content]] = [("Tag", [("Key", k), ("Value", v)]) for k, v in tags.items()]
    return xml.document("Tagging", [("TagSet", entries)])
