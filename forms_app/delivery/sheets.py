"""The old names of the Google adapter, kept for existing callers: see delivery/tables/google.py."""
from forms_app.delivery.tables.base import TableError as SheetError  # noqa: F401
from forms_app.delivery.tables.google import GoogleTables as Sheets  # noqa: F401
