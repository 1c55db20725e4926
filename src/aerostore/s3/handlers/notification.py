"""Put/GetBucketNotificationConfiguration: which object events go to which queues.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
Parsing and AWS's validation live in events/filters.py; saving the configuration also queues an
``s3:TestEvent`` to each destination, in the same transaction (events/notifier.py).
"""

from __future__ import annotations

from aerostore.events import filters
from aerostore.http.context import Result
from aerostore.s3 import xml
from aerostore.s3.request import S3Request

XML = {"content-type": "application/xml"}


async def put_bucket_notification_configuration(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    config = filters.parse(await req.xml_body(), req.destination_exists)
    await req.engine.notifier.put_configuration(req.bucket, config)
    return Result()


async def get_bucket_notification_configuration(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    config = req.engine.notifier.get_configuration(req.bucket)
    return Result(headers=XML, body=document(config))


def document(config: filters.NotificationConfiguration) -> bytes:
    content: list[tuple[str, xml.Content]] = []
    for q in config.queues:
        queue: list[tuple[str, xml.Content]] = [("Id", q.id), ("Queue", q.queue_arn)]
        queue += [("Event", event) for event in q.events]
        if q.rules:
            # AWS stores "prefix"/"suffix" in any case but answers them capitalised (aws/aws-sdk#389).
            rules: list[tuple[str, xml.Content]] = [
                ("FilterRule", [("Name", rule.name.capitalize()), ("Value", rule.value)]) for rule in q.rules
            ]
            queue.append(("Filter", [("S3Key", rules)]))
        content.append(("QueueConfiguration", queue))
    if config.event_bridge:
        content.append(("EventBridgeConfiguration", []))
    return xml.document("NotificationConfiguration", content)
