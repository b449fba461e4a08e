"""A local emulator of the Google Sheets v4 API, the Drive v3 calls gspread makes and the OAuth token endpoint.

In-process:
    with start_emulator() as emu:
        emu.url, emu.state, emu.faults, emu.refuse_connections(2.0)

Standalone:
    python -m tests.sheets_emulator --port 8765 [--write-quota-per-minute 60]
"""
from .credentials import service_account_info, write_service_account_file
from .faults import FaultPlan
from .server import EmulatorHandle, start_emulator
from .state import EmulatorState

__all__ = ["EmulatorHandle", "EmulatorState", "FaultPlan", "service_account_info", "start_emulator",
           "write_service_account_file"]
