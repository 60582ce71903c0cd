"""Tagging internals: spaCy pipeline, gazetteer lookups, agency patterns, references, actions and events."""
