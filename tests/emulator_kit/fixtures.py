"""The two pytest fixtures every emulator offers: one emulator per test module (the OS picks the
port), and the same emulator made fresh for each test."""
from __future__ import annotations

from typing import Callable

import pytest


def emulator_fixtures(module_name: str, test_name: str, start: Callable, defaults: Callable = lambda emu: None):
    """(module fixture, test fixture) named `module_name` and `test_name`: `start()` gives the running
    emulator (a context manager); before and after each test it is reset and `defaults(emu)` puts
    back the options a test may have changed."""

    @pytest.fixture(scope="module", name=module_name)
    def per_module():
        """One emulator per test module (port chosen by the OS)."""
        with start() as emu:
            yield emu

    @pytest.fixture(name=test_name)
    def per_test(request):
        emu = request.getfixturevalue(module_name)
        emu.reset()
        defaults(emu)
        yield emu
        emu.reset()
        defaults(emu)

    per_test.__doc__ = f"The module's `{module_name}`, empty, fault-free and with its default options, for each test."
    return per_module, per_test
