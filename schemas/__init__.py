"""Shared records, topic names and settings for every oversight stage."""
