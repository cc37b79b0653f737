"""A synthetic registry snapshot with violations planted at known rates (``xueji-rules synth``).

Students are written one at a time (constant memory): each gets a stage and grade from Shanxi's
mix (:mod:`._population`), a school, an identity, and a history over three terms whose every
request the engine decides as the story expects (:mod:`._stories`). A student is planted with at
most one violation, chosen by its rate; the answer key (``answer_key.jsonl``) lists each planted
finding as ``{"check", "key"}`` where ``key`` is :func:`finding_key` of the finding the audit must
report. The same seed writes the same bytes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from xueji_rules.audit._synth_gen import AS_OF, Generator
from xueji_rules.audit._synth_io import Writer
from xueji_rules.audit._synth_model import DEFAULT_RATES, SynthConfig, SynthSummary
from xueji_rules.audit._synth_side import write_side
from xueji_rules.audit.context import AuditContext, context_for, spec_from
from xueji_rules.errors import InputError, Location
from xueji_rules.findings import Finding

__all__ = ["DEFAULT_RATES", "SynthConfig", "SynthSummary", "finding_key", "synthesize"]


def finding_key(finding: Finding) -> str:
    """What identifies a finding for the answer key: its records, else its school/account/staff."""
    ev = finding.evidence
    if finding.check == "input.bad_line":
        return f"line:{ev['file']}:{ev['line']}"
    if finding.records:
        return ",".join(finding.records)
    for name in ("account", "staff"):
        if name in ev:
            return f"{name}:{ev[name]}"
    if "school" in ev and "term_start" in ev:
        return f"school:{ev['school']}@{ev['term_start']}"
    return ""


GENERATOR = "xueji-rules synth"  # the manifest's ``generator`` starts with it


def synthesize(out_dir: str | Path, config: SynthConfig) -> SynthSummary:
    """Write a snapshot of ``config.students`` students (plus planted twins) into ``out_dir``.

    ``out_dir`` must be new, empty, or an earlier synthetic snapshot, which is replaced whole;
    anything else raises :class:`~xueji_rules.errors.InputError` before anything is written (a
    real snapshot is never overwritten). The snapshot is written beside it and moved into place
    at the end, so an interrupted run leaves ``out_dir`` as it was. A directory that cannot be
    written raises :class:`~xueji_rules.errors.InputError` too.
    """
    root = Path(out_dir)
    _check_target(root)
    ctx = context_for(spec_from(config.pack, AS_OF))
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".synth-", dir=root.parent))
    except OSError as exc:
        raise InputError(
            f"cannot write the snapshot: {exc.strerror}", Location(file=str(root))
        ) from None
    try:
        summary = _write(staging, config, ctx)
        _replace(staging, root)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(
            f"cannot write the snapshot: {exc.strerror}", Location(file=str(root))
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _check_target(root: Path) -> None:
    """Refuse an output that is a file, or a directory holding anything but a synthetic snapshot."""
    if not root.exists():
        return
    if not root.is_dir():
        raise InputError("the output exists and is not a directory", Location(file=str(root)))
    if not any(root.iterdir()):
        return
    try:
        manifest = json.loads((root / "snapshot.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    generator = manifest.get("generator") if isinstance(manifest, dict) else None
    if not (isinstance(generator, str) and generator.startswith(GENERATOR)):
        raise InputError(
            "the output directory holds files that synth did not write: give a new or empty "
            "directory (an earlier synthetic snapshot is replaced)",
            Location(file=str(root)),
        )


def _replace(staging: Path, root: Path) -> None:
    """Move the finished snapshot ``staging`` to ``root``, replacing what :func:`_check_target`
    allowed there (an empty directory or an earlier synthetic snapshot)."""
    if not root.exists():
        staging.rename(root)
        return
    old = Path(tempfile.mkdtemp(prefix=".synth-old-", dir=root.parent))
    root.rename(old / "snapshot")
    try:
        staging.rename(root)
    except OSError:
        (old / "snapshot").rename(root)  # put the earlier snapshot back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _write(root: Path, config: SynthConfig, ctx: AuditContext) -> SynthSummary:
    gen = Generator(config, ctx, SynthSummary())
    gen.writer = Writer(root, config.format, ctx, config.chunk)
    with open(root / "answer_key.jsonl", "w", encoding="utf-8") as key:
        gen.key = key
        try:
            for index in range(config.students):
                gen.student(index)
        finally:
            gen.writer.close()
        write_side(gen, root)
    bundle_file = "bundles.parquet" if config.format == "parquet" else "bundles.jsonl"
    manifest = {
        "format": "xueji-snapshot/1",
        "region": "山西省（合成数据）",
        "taken_on": AS_OF.isoformat(),
        "pack": config.pack,
        "generator": f"{GENERATOR} --students {config.students} --seed {config.seed}",
        "bundles": [bundle_file],
    }
    (root / "snapshot.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return gen.summary
