"""Urgent alerts to the stewards' phones: a team robot webhook (WeCom, DingTalk, Feishu) and/or e-mail.

An alert names the reference, compound, category and the first 50 characters of the description —
never the resident's phone number or name (it lands in a group chat).
"""
from __future__ import annotations

EXCERPT = 50


class NotifyError(Exception):
    """Sending failed; the worker retries with back-off."""


def alert_for(report, payload: dict, directory) -> dict:
    """What an alert says, from a report row: no name, no phone, no room."""
    compound = directory.compounds.get(report["compound_id"])
    category = directory.categories.get(report["category_id"])
    return {
        "type": payload.get("type", "urgent"),
        "ref": report["ref"],
        "compound": compound.name if compound else report["compound_id"],
        "area": compound.area.name if compound else "",
        "building": report["building"],
        "category": category.name if category else report["category_id"],
        "steward_id": compound.steward.id if compound else "",
        "steward_name": compound.steward.name if compound else "",
        "excerpt": report["description"][:EXCERPT],
        "note": payload.get("note", ""),
    }


class Notifier:
    """All configured channels; `send` raises NotifyError if any channel failed."""

    def __init__(self, channels: list):
        self.channels = channels

    @classmethod
    def from_config(cls, config) -> "Notifier | None":
        """The channels configured in the environment, or None when there are none."""
        return None

    def send(self, alert: dict) -> None:
        """Send one alert through every channel."""
        for channel in self.channels:
            channel.send(alert)
