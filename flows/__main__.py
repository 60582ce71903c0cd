"""`python -m flows` runs the oversight CLI (what the tests call, so they need no installed script)."""

from flows.cli import main

main()
