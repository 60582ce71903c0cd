"""Bus topic and consumer-group names: the one place they are spelled."""

from typing import Final

ENTRIES: Final = "oversight.entries"
ARTICLES: Final = "oversight.articles"
TAGGED: Final = "oversight.tagged"
DEAD_LETTERS: Final = "oversight.dead-letters"

ALL_TOPICS: Final = (ENTRIES, ARTICLES, TAGGED, DEAD_LETTERS)

# One consumer group per stage (flows.stages.STAGES pairs each with the topic it reads).
GROUP_EXTRACT: Final = "oversight-extract"
GROUP_TAG: Final = "oversight-tag"
GROUP_LAND: Final = "oversight-land"
GROUP_DEAD_LETTERS: Final = "oversight-dead-letters"
