"""S3 event notifications: the message model, configuration filters (and later the outbox and targets)."""
