"""Commands that set up an instance: `flask init-db` (and the sample sessions of a demo run)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import deadlines
from forms_app.core.store import get_db, transaction
from forms_app.residents.reception import seed_sample_sessions


def seed_if_configured(app) -> None:
    """Create the sample joint-reception sessions when SEED_SAMPLE_SESSIONS is on (scripts/run)."""
    if app.config["SEED_SAMPLE_SESSIONS"]:
        with app.app_context():
            seed_sample_sessions(get_db(), app.extensions["directory"])


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the store (and seed sample sessions when configured)."""
    conn = get_db()
    with transaction(conn):
        filled = deadlines.backfill(conn, current_app.extensions["directory"])
    if filled:
        click.echo(f"已为 {filled} 个旧问题补上处理时限。")
    seed_if_configured(current_app)
    click.echo(f"数据库已就绪：{current_app.config['DATABASE']}")


def init_app(app) -> None:
    app.cli.add_command(init_db_command)
    seed_if_configured(app)
