"""The delivery-stream API (Amazon Data Firehose semantics) and its Parquet delivery (docs/firehose.md)."""
