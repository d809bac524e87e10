"""The Windows service's registration, checked where it can be on Linux: pywin32 must register the
class by its import path, so pythonservice.exe imports the package module (whose relative imports
work), not this file as a top-level module."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys

import pytest

from node_agent import windows_service


def test_the_service_class_is_registered_by_its_package_path():
    module_name, _, class_name = windows_service.SERVICE_CLASS.rpartition(".")
    module = importlib.import_module(module_name)
    assert module is windows_service and module.__package__ == "node_agent"  # relative imports resolve
    assert f"class {class_name}(win32serviceutil.ServiceFramework)" in inspect.getsource(module)
    if os.name == "nt":  # pragma: no cover
        assert getattr(module, class_name) is windows_service.AgentService


def test_the_command_line_passes_the_class_string_and_returns_pywin32s_code():
    calls = []

    def handle(cls, serviceClassString=None, argv=None):  # noqa: N803 - pywin32's keyword
        calls.append((cls, serviceClassString, argv))
        return 1073  # ERROR_SERVICE_EXISTS, say

    argv = ["windows_service.py", "--startup", "auto", "install"]
    assert windows_service.handle_command_line(handle, object, argv) == 1073
    assert calls == [(object, "node_agent.windows_service.AgentService", argv)]


@pytest.mark.skipif(os.name == "nt", reason="the Linux message")
def test_on_linux_the_module_says_how_to_run_the_agent_instead():
    done = subprocess.run([sys.executable, "-m", "node_agent.windows_service", "install"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and "abaqueue-agent run" in done.stderr
