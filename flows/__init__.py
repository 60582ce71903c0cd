"""Prefect flows, the CLI and the bus backends that move batches between stages."""
