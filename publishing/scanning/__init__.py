"""Static checks on a package's members: capabilities, YARA rules, leaked secrets, and the audit score.

The rule (docs/package-format.md, "Kinds and permissions"): code that uses a capability its
package did not declare (opens network connections without ``network``, spawns processes
without ``process``, writes files without ``fs:write``) is a scan finding.

Modules:

* ``engine``: :func:`scan`, which runs the checks below over every member;
* ``yara_rules``: YARA rules from the ``ScanRule`` table (starter set in
  ``publishing/rules/``), :func:`compile_rules`;
* ``python_ast``: capability, secret-variable and dynamic-code checks on Python syntax trees;
* ``capabilities``: the capabilities and the line patterns for JavaScript, TypeScript and shell;
* ``secrets``: leaked credentials, and masking for every excerpt;
* ``audit``: :func:`audit`, the score and verdict shown as a badge.

Only ``engine.database_rules`` touches Django models (imported when called).
"""

from .audit import AuditReport, audit
from .base import Finding
from .engine import clear_rule_cache, database_rules, scan
from .yara_rules import CompiledRules, RuleSpec, compile_rules, load_starter_rules, validate_rule_source

__all__ = [
    "AuditReport",
    "CompiledRules",
    "Finding",
    "RuleSpec",
    "audit",
    "clear_rule_cache",
    "compile_rules",
    "database_rules",
    "load_starter_rules",
    "scan",
    "validate_rule_source",
]
