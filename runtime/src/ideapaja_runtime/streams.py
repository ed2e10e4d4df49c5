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
            # Bounded: dead letters may name people (see ServiceSettings.dead_letter_max_age_days).
            max_age=dead_letter_max_age_seconds(settings),
        ),
    ]


def dead_letter_max_age_seconds(settings: ServiceSettings) -> float:
    return settings.dead_letter_max_age_days * 86_400


async def ensure_streams(js: JetStreamContext, settings: ServiceSettings) -> None:
    """Create the streams that do not exist yet; leave existing ones as operators set them (a
    dead-letter stream without a maximum age is reported: see ``bound_dead_letters``)."""
    for config in stream_configs(settings):
        assert config.name is not None
        try:
            info = await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream_created", stream=config.name, subjects=config.subjects)
            continue
        if config.name == settings.dead_letter_stream and not info.config.max_age:
            log.warning(
                "dead_letters_kept_for_ever",
                stream=config.name,
                hint="set its max age (ideapaja up does; `nats stream edit --max-age`)",
            )


async def bound_dead_letters(js: JetStreamContext, settings: ServiceSettings) -> bool:
    """Give an existing dead-letter stream without a maximum age the configured one (streams
    created before the setting existed); True if it changed. Needs the right to update streams:
    the operator's, not a service's."""
    info = await js.stream_info(settings.dead_letter_stream)
    if info.config.max_age:
        return False
    await js.update_stream(replace(info.config, max_age=dead_letter_max_age_seconds(settings)))
    log.info(
        "dead_letter_max_age_set",
        stream=settings.dead_letter_stream,
        days=settings.dead_letter_max_age_days,
    )
    return True
