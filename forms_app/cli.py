"""Commands that set up an instance: `flask init-db` (and the sample sessions of a demo run)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import accounts, deadlines
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
    if current_app.config["SEED_SAMPLE_SESSIONS"]:
        password = accounts.seed_demo(conn, current_app.extensions["directory"])
        ids = "、".join(row[0] for row in conn.execute("SELECT id FROM accounts WHERE demo = 1 ORDER BY id"))
        click.echo(f"示例账号（只在演示时建）：{ids}，这次的密码是 {password}（每次启动都换一个）。")
    click.echo(f"数据库已就绪：{current_app.config['DATABASE']}")


@click.command("check-directory")
@click.argument("file", required=False)
@with_appcontext
def check_directory_command(file: str | None) -> None:
    """Check the directory data file (default: the configured one) and say what is wrong in Chinese."""
    from forms_app.core.directory import DirectoryError
    from forms_app.core.directory_check import check
    try:
        click.echo(check(file or current_app.config.get("DIRECTORY_FILE") or None))
    except DirectoryError as exc:
        raise click.ClickException(f"目录数据有误：{exc}") from None


def init_app(app) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(check_directory_command)
    seed_if_configured(app)
