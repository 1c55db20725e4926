"""Tiny signed-S3 request helper for the bench harness (readiness probes only).

Signs with botocore's S3SigV4Auth (botocore is already required by s3bench.py) and
sends with http.client, so it has no other dependency.  Not used for load.
"""

from __future__ import annotations

import hashlib
import http.client
from urllib.parse import urlsplit


def signed_request(
    endpoint: str,
    method: str,
    path: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    body: bytes = b"",
    timeout: float = 5.0,
):
    """Send one SigV4-signed request; returns (status, body bytes).  Raises OSError etc."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    u = urlsplit(endpoint)
    url = f"{u.scheme}://{u.netloc}{path}"
    headers = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    S3SigV4Auth(Credentials(access_key, secret_key), "s3", region).add_auth(req)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body if body else None, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data
    finally:
        conn.close()
