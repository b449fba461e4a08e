"""Query and body options of the values endpoints, checked the way Google checks them."""
from __future__ import annotations

from .errors import bad_request

_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def param(params: dict, name: str, default: str | None = None) -> str | None:
    """The first value of a query parameter."""
    return params.get(name, [default])[0]


def flag(value: object) -> bool:
    """A boolean query or body value ('true', 'True', True)."""
    return str(value).lower() == "true"


def render_option(value: str | None) -> str:
    """A ValueRenderOption, defaulting to FORMATTED_VALUE."""
    value = value or "FORMATTED_VALUE"
    if value not in _RENDER_OPTIONS:
        raise bad_request(f"Invalid value at 'value_render_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), \"{value}\"")
    return value


def input_option(value: str | None) -> str:
    """A ValueInputOption, which Google requires."""
    if not value or value == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise bad_request("'valueInputOption' is required but not specified")
    if value not in _INPUT_OPTIONS:
        raise bad_request(f"Invalid value at 'value_input_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"{value}\"")
    return value


def check_major(major: object) -> str:
    """The majorDimension, defaulting to ROWS."""
    if major in (None, "", "DIMENSION_UNSPECIFIED", "ROWS"):
        return "ROWS"
    if major == "COLUMNS":
        return "COLUMNS"
    raise bad_request("Invalid value at 'major_dimension' "
                      f"(type.googleapis.com/google.apps.sheets.v4.Dimension), \"{major}\"")
