"""Knowledge-base build hooks (listed under `hooks:` in mkdocs.yml) and the modules they share."""
