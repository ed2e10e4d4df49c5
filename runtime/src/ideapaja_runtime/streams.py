"""JetStream stream provisioning: the lifecycle stream, the compacted HR stream, dead letters."""

from __future__ import annotations

from dataclasses import replace

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from ideapaja_contracts.streams import DEAD_LETTER_SUBJECTS, HR_SUBJECTS, LIFECYCLE_SUBJECTS
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.settings import ServiceSettings

log = get_logger(__name__)


def stream_configs(settings: ServiceSettings) -> list[StreamConfig]:
    common = StreamConfig(
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        num_replicas=settings.stream_replicas,
        duplicate_window=settings.duplicate_window_seconds,
    )
    return [
        replace(
            common,
            name=settings.lifecycle_stream,
            subjects=LIFECYCLE_SUBJECTS,
            description="Ideapaja idea lifecycle events (CloudEvents, one subject per event type)",
        ),
        replace(
            common,
            name=settings.hr_stream,
            subjects=HR_SUBJECTS,
            description="Organisation data from HR: one subject per unit/person, latest kept",
            max_msgs_per_subject=1,
        ),
        replace(
            common,
            name=settings.dead_letter_stream,
            subjects=DEAD_LETTER_SUBJECTS,
            description="Events a consumer could not handle, with the reason, for operators",
        ),
    ]


async def ensure_streams(js: JetStreamContext, settings: ServiceSettings) -> None:
    """Create the streams that do not exist yet; leave existing ones as operators set them."""
    for config in stream_configs(settings):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream_created", stream=config.name, subjects=config.subjects)
