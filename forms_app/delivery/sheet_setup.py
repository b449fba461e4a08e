"""`flask sheet-setup`: create or update the stewards' tables on the configured backend.

Idempotent: each backend compares what the table has with what it should have and sends only the
difference (nothing, the second time); it never deletes or renames a table or field. Where the
backend can protect a column (Google), each service column is protected on its own.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core.store import get_db
from forms_app.delivery import columns
from forms_app.delivery.tables import LABELS, BackendUnavailable, TableService, service_from_config
from forms_app.delivery.tables.google import PROTECTION  # noqa: F401  (re-exported for tests)
from forms_app.residents import reception


def setup(tables: TableService, sessions=(), directory=None) -> list[str]:
    """Bring every table in line with delivery/columns.py; seed 接待场次 when it is empty. A line per change."""
    if directory is None:
        try:
            directory = current_app.extensions["directory"]
        except RuntimeError:  # outside an app context (scripts, tests): the default directory file
            from forms_app.core.directory import load
            directory = load()
    changes: list[str] = []
    for table in columns.TABLES:
        spec = table.spec(directory)
        changes += tables.ensure(spec) or []
        protect = getattr(tables, "protect", None)
        if protect and table.service_columns:
            changes += protect(spec, table.service_columns) or []
    spec = columns.SESSIONS.spec(directory)
    if sessions and not any(any(v.strip() for v in r.values.values()) for r in tables.records(spec)):
        tables.add(spec, [columns.session_object_values(s) for s in sessions])
        changes.append(f"「{spec.title}」写入 {len(sessions)} 个场次")
    return changes


@click.command("sheet-setup")
@with_appcontext
def sheet_setup_command() -> None:
    """Create or update the tables 问题登记, 接待报名 and 接待场次 on the configured backend."""
    try:
        tables = service_from_config(current_app.config)
    except BackendUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if tables is None:
        choices = "、".join(f"{label} {name}" for name, label in LABELS.items())
        raise click.ClickException(f"未配置共享表格（SHEET_BACKEND：{choices}；见 manual/shared-table.md）。")
    try:
        changes = setup(tables, reception.open_sessions(get_db()))
    finally:
        tables.close()
    click.echo("\n".join(changes) if changes else "表格已是最新，没有改动。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(sheet_setup_command)
