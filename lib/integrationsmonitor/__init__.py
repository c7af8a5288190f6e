"""Integrationsmonitor: monitoring for the Integrationskonzept Landkreis Kaiserslautern."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("integrationsmonitor")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

from integrationsmonitor.errors import InputError, Problem  # noqa: E402

__all__ = ["InputError", "Problem", "__version__"]
