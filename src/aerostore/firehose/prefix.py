"""Custom S3 prefixes: `!{timestamp:<pattern>}`, `!{firehose:error-output-type}`, `!{firehose:random-string}`.

Patterns are Java ``DateTimeFormatter`` patterns evaluated in UTC on the arrival time of the
oldest record of the file, as Firehose does. ``random-string`` is derived from a seed (the
stream and first record id) so that a redelivery after a crash writes the same key again.
See https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
"""

from __future__ import annotations

import datetime
import hashlib
import re

from aerostore.firehose.errors import InvalidArgumentException

EXPRESSION = re.compile(r"!\{([^}:]+):([^}]*)\}")
DEFAULT_PREFIX_PATTERN = "yyyy/MM/dd/HH/"
ERROR_OUTPUT_TYPE = "error-output-type"
RANDOM_STRING = "random-string"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_LETTERS = "yMdHhmsSDaEu"


def check(prefix: str, *, error: bool) -> None:
    """Raise InvalidArgumentException for an expression Firehose would refuse."""
    for namespace, arg in EXPRESSION.findall(prefix):
        if namespace == "timestamp":
            format_timestamp(arg, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
        elif namespace == "firehose" and arg == ERROR_OUTPUT_TYPE:
            if not error:
                raise InvalidArgumentException(
                    "The expression !{firehose:error-output-type} is only allowed in ErrorOutputPrefix."
                )
        elif namespace != "firehose" or arg != RANDOM_STRING:
            raise InvalidArgumentException(f"The expression !{{{namespace}:{arg}}} is not supported.")
    if "!{" in EXPRESSION.sub("", prefix):
        raise InvalidArgumentException(f"The prefix {prefix!r} has an unterminated expression.")


def has_expressions(prefix: str) -> bool:
    return EXPRESSION.search(prefix) is not None


def render(prefix: str, when: datetime.datetime, seed: str, error_type: str = "") -> str:
    """The prefix with its expressions evaluated.

    A prefix without expressions gets Firehose's default folders after it: the error type (for
    the error prefix), then ``YYYY/MM/DD/HH/``.
    """
    if not has_expressions(prefix):
        kind = f"{error_type}/" if error_type else ""
        return prefix + kind + format_timestamp(DEFAULT_PREFIX_PATTERN, when)

    def value(match: re.Match[str]) -> str:
        namespace, arg = match.group(1), match.group(2)
        if namespace == "timestamp":
            return format_timestamp(arg, when)
        if arg == ERROR_OUTPUT_TYPE:
            return error_type
        return random_string(seed)

    return EXPRESSION.sub(value, prefix)


def random_string(seed: str) -> str:
    """Eleven characters, as Firehose's, but a function of ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:11])


def format_timestamp(pattern: str, when: datetime.datetime) -> str:
    """A ``DateTimeFormatter`` pattern: letter runs are fields, ``'...'`` quotes text, ``''`` is a quote."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise InvalidArgumentException(f"Unterminated quote in timestamp pattern {pattern!r}.")
            out.append(pattern[i + 1 : end] if end > i + 1 else "'")
            i = end + 1
        elif char.isalpha():
            run = len(pattern) - i - len(pattern[i:].lstrip(char))
            out.append(_field(char, run, when, pattern))
            i += run
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _field(letter: str, width: int, when: datetime.datetime, pattern: str) -> str:
    if letter not in _LETTERS:
        raise InvalidArgumentException(f"Unsupported letter {letter!r} in timestamp pattern {pattern!r}.")
    if letter in "yu":
        return f"{when.year % 100:02d}" if width == 2 else f"{when.year:0{width}d}"
    if letter == "M" and width >= 3:
        return when.strftime("%B" if width >= 4 else "%b")
    if letter == "E":
        return when.strftime("%A" if width >= 4 else "%a")
    if letter == "a":
        return when.strftime("%p")
    if letter == "S":
        return f"{when.microsecond:06d}"[:width].ljust(width, "0")
    values = {"M": when.month, "d": when.day, "H": when.hour, "h": (when.hour % 12) or 12,
              "m": when.minute, "s": when.second, "D": when.timetuple().tm_yday}  # fmt: skip
    return f"{values[letter]:0{width}d}"
