"""Fixtures for the tests of the testing support."""

from __future__ import annotations

pytest_plugins = ["pytester"]
