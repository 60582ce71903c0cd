"""Bus backends behind one interface; `open_bus` picks one from the settings."""

from __future__ import annotations

from oversight.flows.bus.base import Bus, BusError, Consumer, GroupLag, Message
from oversight.schemas.settings import Settings

__all__ = ["Bus", "BusError", "Consumer", "GroupLag", "Message", "bus_location", "open_bus"]


def open_bus(settings: Settings) -> Bus:
    """The embedded log under OVERSIGHT_HOME, or Kafka at OVERSIGHT_KAFKA_BOOTSTRAP."""
    if settings.bus == "kafka":
        from oversight.flows.bus.kafka import KafkaBus  # imported lazily: kafka-python is only needed here

        return KafkaBus(settings)
    from oversight.flows.bus.embedded import EmbeddedBus

    return EmbeddedBus(settings.bus_dir)


def bus_location(settings: Settings) -> str:
    """Where the bus of these settings is, for messages and `oversight status` (whether or not it opens)."""
    return settings.kafka_bootstrap if settings.bus == "kafka" else str(settings.bus_dir)
