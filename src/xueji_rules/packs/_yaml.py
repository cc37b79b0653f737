"""Moved: the hardened YAML reader is :mod:`xueji_rules._yaml` (packs and calendars share it).

Kept so that code written against the old location keeps importing; new code imports
``xueji_rules._yaml``.
"""

from xueji_rules._yaml import (
    MAX_DEPTH,
    MAX_NODES,
    YamlDocument,
    load_data_text,
    load_yaml_bytes,
    load_yaml_file,
    load_yaml_text,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlDocument",
    "load_data_text",
    "load_yaml_bytes",
    "load_yaml_file",
    "load_yaml_text",
]
