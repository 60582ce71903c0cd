"""Ingestion library: feeds, fetching, article extraction, URL ids and near-duplicate detection."""
