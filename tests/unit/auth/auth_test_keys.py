"""The key store the auth unit tests verify against: a fixed map of access keys to secrets."""

from __future__ import annotations

from aerostore.auth.sigv4 import Principal

AK, SECRET = "AKIDTEST", "s3cr3t/+key"
ALICE = Principal(access_key=AK, user="alice", is_root=False)


class Keys:
    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets

    def secret_for(self, access_key: str) -> tuple[str, Principal] | None:
        if access_key not in self.secrets:
            return None
        return self.secrets[access_key], Principal(access_key, "alice", False)


KEYS = Keys({AK: SECRET})
