"""Rule packs: the hardened YAML reader, the pack model, loading and layering, lint."""

from xueji_rules.packs.loader import bundled_packs, load_pack
from xueji_rules.packs.model import Citation, Pack, Parameter, Rule

__all__ = ["Citation", "Pack", "Parameter", "Rule", "bundled_packs", "load_pack"]
