"""延吉社区大管家 — the form service. `flask --app forms_app run` starts it."""
from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config from the environment, then test config; wire the parts."""
    # Everything this process creates — the store, its -wal/-shm, backups, photos, exports — is the
    # service user's alone (issue 18 #4). Every web worker, the sync worker and every `flask` command
    # come through here; scripts/run and the systemd units (UMask=0077) set the same from outside.
    os.umask(0o077)
    app = Flask(__name__, instance_relative_config=True, static_url_path="/forms/static")
    from forms_app import cli, views
    from forms_app.core import accounts, backup, clock, config, directory, errors, facts, logs, security, store, workdays
    from forms_app.delivery import sheet_setup, sms, sync
    from forms_app.notices import notify
    from forms_app.publishing import digest, figures, retention, site, supervise

    app.config.from_mapping(config.from_environ(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    config.finalise(app.config, debug=app.debug)
    logs.configure(app.config)
    app.extensions["directory"] = directory.load(app.config["DIRECTORY_FILE"] or None)
    workdays.configure(app.config["WORKDAYS_FILE"] or None)
    workdays.log_warning(clock.now().date())  # reads (and checks) the working-day file; warns before a year with no schedule
    # The street's name for what leaves the machine (e-mail sender name): from the data, never typed.
    app.config["BRAND"] = facts.brand(app.extensions["directory"])

    store.init_app(app)
    notify.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    site.init_app(app)
    sync.init_app(app)
    sms.init_app(app)
    sheet_setup.init_app(app)
    digest.init_app(app)
    figures.init_app(app)
    retention.init_app(app)
    supervise.init_app(app)
    backup.init_app(app)
    cli.init_app(app)
    accounts.init_app(app)
    return app
