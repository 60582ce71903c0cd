"""Outcome counting: every record gets one label, and a run ends with a one-line summary of them."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

log = logging.getLogger("oversight")

# The order stages appear in a run's summary line.
RUN_STAGES = ("feeds", "entries", "extract", "tag", "events", "land", "dead-letters", "search", "bus")


class Outcomes(Counter[str]):
    """Counts of `stage.outcome` labels, e.g. `extract.ok`, `feeds.network_error`."""

    def add(self, stage: str, outcome: str, n: int = 1) -> None:
        if n:
            self[f"{stage}.{outcome}"] += n

    def stage(self, stage: str) -> dict[str, int]:
        prefix = f"{stage}."
        return {k.removeprefix(prefix): v for k, v in sorted(self.items()) if k.startswith(prefix)}

    def total(self, stage: str) -> int:  # type: ignore[override]
        return sum(self.stage(stage).values())

    def summary(self, stages: Iterable[str] | None = None) -> str:
        """`feeds ok=3 network_error=2 | extract ok=30 no_text=1 | ...` in stage order."""
        order = list(stages) if stages is not None else sorted({k.split(".", 1)[0] for k in self})
        parts = []
        for name in order:
            counts = self.stage(name)
            if counts:
                parts.append(name + " " + " ".join(f"{k}={v}" for k, v in counts.items()))
        return " | ".join(parts) if parts else "nothing to do"

    def dead_letters(self) -> int:
        """Records a run sent to the dead-letter topic, over every stage."""
        return sum(v for k, v in self.items() if k.endswith(".dead_letter"))

    def merge(self, other: Counter[str]) -> Outcomes:
        self.update(other)
        return self
