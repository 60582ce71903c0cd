"""`python -m oversight.flows` runs the oversight CLI (what the tests call, so they need no installed script)."""

from oversight.flows.cli import main

# Guarded: the forkserver behind the CPU pool re-imports the main module as __mp_main__.
if __name__ == "__main__":
    main()
