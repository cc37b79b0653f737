"""Records as the law defines them (SD7): the collection form, identity numbers, one person one
registry, personal data, de-identified export, and checks on accounts and staff.

This package sits beside :mod:`xueji_rules.packs`; only :mod:`xueji_rules.engine` and the
packages above it import it. See ``docs/records.md`` and ``docs/privacy.md``.
"""

from xueji_rules.records.spec import RecordsSpec, records_spec

__all__ = ["RecordsSpec", "records_spec"]
