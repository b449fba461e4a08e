"""What the service emulators under tests/ share, so each keeps only its service's calls, state and
error shapes: the threaded HTTP server and control API (`server`), the fault plan (`faults`), the
pytest fixtures (`fixtures`) and the `python -m` runner (`main`). See README.md next to this file."""
