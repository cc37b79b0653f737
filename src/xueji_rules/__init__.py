"""xueji-rules: China's student-registry law (学籍管理) as code."""

from xueji_rules.errors import XuejiRulesError

__all__ = ["XuejiRulesError"]
__version__ = "0.1.0"
