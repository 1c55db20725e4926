"""A real browser uploads straight into raw-uploads from another origin (docs/browser-uploads.md).

Headless Debian chromium (``/usr/bin/chromium``, installed by scripts/test-deps.py) driven by
Playwright loads a page from a small HTTP server on another port, and that page PUTs (presigned
URL) and POSTs (presigned form) into aerostore, relying on raw-uploads' default CORS rule. The
same page served from an origin the rule does not allow must be stopped by the browser.
There is no skip: without its browser this test fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from playwright.sync_api import sync_playwright

from .conftest import client_for
from .server import Server, free_port

CHROMIUM = "/usr/bin/chromium"
BUCKET = "raw-uploads"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>upload</title></head><body>
<script>
async function answer(r) {
  return {status: r.status, etag: r.headers.get("ETag"), requestId: r.headers.get("x-amz-request-id"),
          server: r.headers.get("Server")};
}
window.putUpload = async (url, text) => {
  try { return await answer(await fetch(url, {method: "PUT", body: new Blob([text])})); }
  catch (e) { return {error: String(e)}; }
};
window.postUpload = async (post, text) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
  form.append("file", new Blob([text], {type: "text/plain"}), "browser.txt");
  try { return await answer(await fetch(post.url, {method: "POST", body: form})); }
  catch (e) { return {error: String(e)}; }
};
</script></body></html>
"""


@pytest.fixture(scope="module")
def page_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A static server for the page, on every loopback address (127.0.0.1 and 127.0.0.2)."""
    root = tmp_path_factory.mktemp("page")
    Path(root, "upload.html").write_text(PAGE)
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("0.0.0.0", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run python3 scripts/test-deps.py (README)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def _open(browser: Any, origin: str) -> Any:
    page = browser.new_page()
    page.goto(f"{origin}/upload.html")
    return page


def _signer(server: Server) -> Any:
    return client_for(server, config=Config(signature_version="s3v4"))


def test_browser_presigned_put_and_post(server: Server, s3: Any, browser: Any, page_port: int) -> None:
    signer = _signer(server)
    page = _open(browser, f"http://localhost:{page_port}")
    put_key, post_key = f"browser/{uuid.uuid4().hex}-put.txt", f"browser/{uuid.uuid4().hex}-post.txt"
    url = signer.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": put_key})
    put = page.evaluate("([url, text]) => putUpload(url, text)", [url, "sent with PUT"])
    assert put.get("status") == 200, put
    assert put["etag"] == s3.head_object(Bucket=BUCKET, Key=put_key)["ETag"]  # exposed to the page
    assert put["requestId"]  # exposed too
    assert put["server"] is None  # not exposed: the browser hides it

    post = signer.generate_presigned_post(BUCKET, post_key)
    answer = page.evaluate("([post, text]) => postUpload(post, text)", [post, "sent with POST"])
    assert answer.get("status") == 204, answer
    assert answer["etag"] == s3.head_object(Bucket=BUCKET, Key=post_key)["ETag"]
    assert s3.get_object(Bucket=BUCKET, Key=put_key)["Body"].read() == b"sent with PUT"
    assert s3.get_object(Bucket=BUCKET, Key=post_key)["Body"].read() == b"sent with POST"
    page.close()


def test_browser_disallowed_origin_is_blocked(server: Server, s3: Any, browser: Any, page_port: int) -> None:
    signer = _signer(server)
    page = _open(browser, f"http://127.0.0.2:{page_port}")  # not one of raw-uploads' origins
    key = f"browser/{uuid.uuid4().hex}-blocked.txt"
    url = signer.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key})
    put = page.evaluate("([url, text]) => putUpload(url, text)", [url, "nope"])
    assert "error" in put and "Failed to fetch" in put["error"], put
    # The PUT never left the browser: its preflight was refused.
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=key)
    # A form POST is a CORS "simple request": the browser sends it without a preflight (the
    # signed policy is what guards the bucket) but withholds the answer from the page.
    post = signer.generate_presigned_post(BUCKET, key + ".post")
    answer = page.evaluate("([post, text]) => postUpload(post, text)", [post, "nope"])
    assert "error" in answer and "Failed to fetch" in answer["error"], json.dumps(answer)
    page.close()
