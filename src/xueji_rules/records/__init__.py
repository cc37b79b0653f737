"""Records as the law defines them (SD7): the collection form, identity numbers, one person one
registry, personal data, de-identified export, and checks on accounts and staff.

This package sits beside :mod:`xueji_rules.packs`; only :mod:`xueji_rules.engine` and the
packages above it import it. Everything is driven by a pack's ``records/*.yaml`` through
:func:`records_spec` (``Engine.records`` holds it for an engine). See ``docs/records.md`` and
``docs/privacy.md``.

>>> from xueji_rules import Engine
>>> engine = Engine("shanxi")                                         # doctest: +SKIP
>>> engine.validate_record(record).ok                                 # doctest: +SKIP
>>> list(find_duplicate_registries(rows, engine.records, workdir="/tmp/spill"))  # doctest: +SKIP
"""

from xueji_rules.records._build import records_spec
from xueji_rules.records.deidentify import Deidentifier, DeidentifyReport, deidentify_stream
from xueji_rules.records.identity import (
    DocumentCheck,
    check_document_number,
    gb11643_check_character,
    identity_key,
)
from xueji_rules.records.masking import Masker, mask
from xueji_rules.records.registry import (
    document_key,
    find_duplicate_registries,
    find_number_reuse,
    normalize_name,
)
from xueji_rules.records.side_data import check_accounts, check_staff
from xueji_rules.records.spec import RecordsSpec
from xueji_rules.records.validate import RecordValidation, iter_findings, validate_record

__all__ = [
    "Deidentifier",
    "DeidentifyReport",
    "DocumentCheck",
    "Masker",
    "RecordValidation",
    "RecordsSpec",
    "check_accounts",
    "check_document_number",
    "check_staff",
    "deidentify_stream",
    "document_key",
    "find_duplicate_registries",
    "find_number_reuse",
    "gb11643_check_character",
    "identity_key",
    "iter_findings",
    "mask",
    "normalize_name",
    "records_spec",
    "validate_record",
]
