"""The streaming multipart/form-data reader (http/forms.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aerostore.http.forms import FormReader
from aerostore.s3 import errors

BOUNDARY = "XyZ"


def _body(*parts: tuple[str, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def _receive(body: bytes, size: int) -> Any:
    pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        piece = pieces[sent] if sent < len(pieces) else b""
        sent += 1
        return {"type": "http.request", "body": piece, "more_body": sent < len(pieces)}

    return receive


async def _read(body: bytes, size: int) -> tuple[dict[str, str], str, bytes]:
    form = FormReader(_receive(body, size), f"multipart/form-data; boundary={BOUNDARY}")
    fields, part = await form.fields()
    assert part is not None
    data = b"".join([chunk async for chunk in form.file()])
    await form.drain()
    return fields, part.filename, data


@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
def test_fields_then_file_then_ignored_fields(size: int) -> None:
    payload = bytes(range(256)) * 40
    body = _body(("Key", None, b"a/${filename}"), ("x-amz-meta-A", None, b"1"), ("file", "f.bin", payload),
                 ("after", None, b"ignored"))  # fmt: skip
    fields, filename, data = asyncio.run(_read(body, size))
    assert fields == {"key": "a/${filename}", "x-amz-meta-a": "1"}
    assert filename == "f.bin" and data == payload


def test_no_boundary_is_malformed() -> None:
    with pytest.raises(errors.MalformedPOSTRequest):
        FormReader(_receive(b"", 1), "multipart/form-data")


def test_fields_too_large() -> None:
    body = _body(("big", None, b"x" * 30 * 1024), ("file", "f", b"x"))
    form = FormReader(_receive(body, 4096), f"multipart/form-data; boundary={BOUNDARY}")
    with pytest.raises(errors.MaxPostPreDataLengthExceeded):
        asyncio.run(form.fields())


def test_truncated_body_has_no_file() -> None:
    body = _body(("key", None, b"k"))[:-8]
    form = FormReader(_receive(body, 5), f"multipart/form-data; boundary={BOUNDARY}")
    with pytest.raises(errors.S3Error):
        asyncio.run(form.fields())
