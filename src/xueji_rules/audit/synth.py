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
from pathlib import Path

from xueji_rules.audit._synth_gen import AS_OF, Generator
from xueji_rules.audit._synth_io import Writer
from xueji_rules.audit._synth_model import DEFAULT_RATES, SynthConfig, SynthSummary
from xueji_rules.audit._synth_side import write_side
from xueji_rules.audit.context import context_for, spec_from
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


def synthesize(out_dir: str | Path, config: SynthConfig) -> SynthSummary:
    """Write a snapshot of ``config.students`` students (plus planted twins) into ``out_dir``."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    ctx = context_for(spec_from(config.pack, AS_OF))
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
        "generator": f"xueji-rules synth --students {config.students} --seed {config.seed}",
        "bundles": [bundle_file],
    }
    (root / "snapshot.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return gen.summary
