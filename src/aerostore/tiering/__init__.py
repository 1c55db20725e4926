"""Storage classes and the archive tier (docs/archive.md): tiers, transitions, restores."""
