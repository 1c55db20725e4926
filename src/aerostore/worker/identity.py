"""Which aircraft an upload shows: ``x-amz-meta-aircraft-registration``, else the key layout."""

from __future__ import annotations

from collections.abc import Mapping

from aerostore.images import parse_registration, registration_from_key
from aerostore.worker.layout import META_REGISTRATION, UNASSIGNED


def identify(key: str, metadata: Mapping[str, str]) -> tuple[str, str | None]:
    """The normalised registration (or ``unassigned``) and a note saying why it is not what was given."""
    notes = []
    claimed = metadata.get(META_REGISTRATION, "").strip()
    if claimed:
        registration = parse_registration(claimed)
        if registration:
            return registration, None
        notes.append(f"x-amz-meta-{META_REGISTRATION} {claimed!r} is not a valid civil registration")
    registration = registration_from_key(key)
    if registration:
        return registration, "; ".join(notes) or None
    named = _named_in_key(key)
    if named is not None:
        notes.append(f"the key names aircraft {named!r}, not a valid civil registration")
    elif not claimed:
        notes.append(f"no aircraft/<registration>/ in the key and no x-amz-meta-{META_REGISTRATION}")
    return UNASSIGNED, "; ".join(notes)


def _named_in_key(key: str) -> str | None:
    parts = key.split("/")
    for i, part in enumerate(parts[:-2]):
        if part == "aircraft":
            return parts[i + 1]
    return None
