"""The Python prefilter (``python_ast.needs_ast``) and the quick validity check lose no finding.

"Today's scanner" below is the same ``scan`` with the prefilter forced to answer "needs the
syntax tree", so every member is parsed and walked: the findings must be equal, member by member.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from publishing import scanning
from publishing.scanning import python_ast

from .test_scanning import (
    CAPABILITY_SAMPLES,
    CLEAN_SAMPLES,
    DYNAMIC_SAMPLES,
    SECRET_ENV_EXPRESSIONS,
    UNPARSABLE_SAMPLES,
    by_code,
    inspection,
)

NO_RULES = scanning.compile_rules([])
ALL_PERMISSIONS = ("network", "process", "fs:write")


def scan_both(members: dict[str, bytes], permissions=()) -> tuple[list, list]:
    """(findings with the prefilter, findings with every Python member parsed and walked)."""
    new = scanning.scan(inspection(members, permissions), rules=NO_RULES)
    original = python_ast.needs_ast
    python_ast.needs_ast = lambda data: True
    try:
        today = scanning.scan(inspection(members, permissions), rules=NO_RULES)
    finally:
        python_ast.needs_ast = original
    return new, today


def _benchmark_sources() -> list[bytes]:
    path = Path(settings.BASE_DIR) / "scripts" / "benchmark_publish.py"
    spec = importlib.util.spec_from_file_location("benchmark_publish", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    members = module.make_members(12, 20260, "1.0.0")
    return [data for name, data in members.items() if name.endswith(".py")]


#: Attempts to hide a capability from a lexical reading, and what the scan must report for each.
EVASIONS: list[tuple[str, bytes, set[str]]] = [
    ("only in strings and comments", b"x = 'import socket; eval(y)'  # os.system(z)\n", set()),
    ("only in a docstring", b'"""\nimport subprocess\neval(x)\n"""\n', set()),
    ("only in bytes and raw strings", b"a = b'eval(x)'\nb = rb'os.system' + Rb\"exec(y)\"\n", set()),
    ("f-string expression", b'x = f"{eval(y)}"\n', {"scan.dynamic_code"}),
    ("raw f-string expression", b"x = rF'{eval(y)}'\n", {"scan.dynamic_code"}),
    ("f-string after a hash", b'x = f"# {eval(y)}"\n', {"scan.dynamic_code"}),
    ("f-string nested quotes", b"x = f'''{\"'\"}{eval(y)}'''\n", {"scan.dynamic_code"}),
    ("fullwidth call", "ｅｖａｌ(x)\n".encode(), {"scan.dynamic_code"}),
    ("fullwidth import", "import ｓｏｃｋｅｔ\n".encode(), {"scan.undeclared_network"}),
    ("mathematical letters", "import os\nos.𝐬𝐲𝐬𝐭𝐞𝐦('id')\n".encode(), {"scan.undeclared_process"}),
    # NFKC must come after the lexing: the fullwidth quotes stay inside their literal.
    ("fullwidth quote in a literal", "s = '＇' ; eval(x) ; t = '＇'\n".encode(), {"scan.dynamic_code"}),
    ("lone carriage return ends a comment", b"x = 1  # note\reval(y)\n", {"scan.dynamic_code"}),
    ("CRLF continuation in a literal", b"x = 'a\\\r\nb' ; eval(y)\n", {"scan.dynamic_code"}),
    ("escaped backslash ends a literal", b'x = "a\\\\" ; eval(y) #"\n', {"scan.dynamic_code"}),
    ("escaped quote in a triple literal", b"x = '''a\\''' eval(y) '''\n", set()),
    (
        "latin-1 cookie",
        "# -*- coding: latin-1 -*-\nx = 'é'\neval(y)\n".encode("latin-1"),
        {"scan.dynamic_code"},
    ),
    ("utf-7 cookie", b"# coding: utf-7\nx = +AGUAdgBhAGw-(y)\n", {"scan.dynamic_code"}),
    ("utf-8 BOM", b"\xef\xbb\xbfimport socket\n", {"scan.undeclared_network"}),
    ("utf-16 with BOM", "import socket\n".encode("utf-16"), {"scan.python_unparsable"}),
    ("__import__", b"m = __import__('socket')\n", {"scan.undeclared_network"}),
    ("aliased import", b"from os import system as s\ns('id')\n", {"scan.undeclared_process"}),
    ("backslash-continued import", b"import json, \\\n    subprocess\n", {"scan.undeclared_process"}),
    ("os.exec prefix", b"from os import execlpe as run\n", {"scan.undeclared_process"}),
    ("python 2", b"print 'python 2'\n", {"scan.python_unparsable"}),
    ("broken def", b"def f(:\n", {"scan.python_unparsable"}),
    ("3.12-only f-string", b'x = f"{"\'"}" + eval(x) + "\'"\n', {"scan.python_unparsable"}),
    # ast.parse takes these and compile() does not; the quick check (parser and symbol table) refuses
    # the last one only. The syntax tree's findings stand either way.
    ("module-level return", b"import socket\nreturn 1\n", {"scan.undeclared_network"}),
    ("module-level return, clean", b"return 1\n", set()),
    ("nonlocal at module level", b"nonlocal x\n", set()),
    ("invalid escape sequence", b"x = '\\d'\n", None),  # a warning: filters decide, as before
]


def _corpus() -> list[bytes]:
    sources = [source.encode() for _, _, source in CAPABILITY_SAMPLES]
    sources += [source.encode() for source in CLEAN_SAMPLES]
    sources += [source.encode() for source, _ in DYNAMIC_SAMPLES]
    sources += [f"import os\nfrom os import environ\nvalue = {e}\n".encode() for e in SECRET_ENV_EXPRESSIONS]
    sources += list(UNPARSABLE_SAMPLES)
    sources += [data for _, data, _ in EVASIONS]
    sources += [path.read_bytes() for path in sorted((Path(settings.BASE_DIR) / "examples").rglob("*.py"))]
    sources += _benchmark_sources()
    return sources


def test_the_corpus_has_examples_and_benchmark_members():
    corpus = _corpus()
    assert len(corpus) > 100
    assert sum(not python_ast.needs_ast(source) for source in corpus) > 10


@pytest.mark.parametrize("permissions", [(), ALL_PERMISSIONS])
def test_findings_equal_todays_on_the_corpus(permissions):
    for source in _corpus():
        new, today = scan_both({"pkg/mod.py": source}, permissions)
        assert new == today, source[:200]


@pytest.mark.parametrize(("label", "source", "codes"), EVASIONS, ids=[e[0] for e in EVASIONS])
def test_evasion_attempts(label, source, codes):
    new, today = scan_both({"m.py": source})
    assert new == today
    if codes is not None:
        assert set(by_code(new)) == codes
    if codes and codes != {"scan.python_unparsable"}:
        assert python_ast.needs_ast(source)


def test_a_prefilter_that_ignores_f_strings_or_normalisation_would_miss_findings():
    # What a naive reading (no f-strings, no NFKC) sees: guards that these tests can fail.
    naive = python_ast._STRING_OR_COMMENT
    for source in (b'x = f"{eval(y)}"\n', "ｅｖａｌ(x)\n".encode()):
        text = source.decode()
        assert "eval" not in set(python_ast._WORD.findall(naive.sub(" ", text)))
        assert "eval" in python_ast.code_identifiers(text)


#: Nesting of each kind, ``terms`` deep: each kind reaches a different limit of Python's parser,
#: symbol table or compiler, and some of those limits move with the stack depth.
NESTINGS = {
    "operators": lambda terms: "x = " + "+".join(["a"] * terms),
    "power": lambda terms: "x = " + "**".join(["a"] * terms),
    "unary": lambda terms: "x = " + "-" * terms + "a",
    "not": lambda terms: "x = " + "not " * terms + "a",
    "lambdas": lambda terms: "x = " + "lambda: " * terms + "a",
    "conditionals": lambda terms: "x = " + "a if b else " * terms + "c",
    "subscripts": lambda terms: "x = a" + "[0]" * terms,
    "attributes": lambda terms: "x = a" + ".b" * terms,
    "parentheses": lambda terms: "x = " + "(" * terms + "a" + ")" * terms,
    "calls": lambda terms: "x = " + "f(" * terms + "a" + ")" * terms,
}


@pytest.mark.parametrize("kind", NESTINGS)
def test_deep_nesting_at_the_parser_limit_gives_todays_findings(kind):
    nest = NESTINGS[kind]
    # The nesting limits depend on the stack depth: find today's limit through scan itself.
    low, high = 10, 20_000
    while low < high:
        middle = (low + high + 1) // 2
        _, today = scan_both({"deep.py": nest(middle).encode()})
        low, high = (middle, high) if today == [] else (low, middle - 1)
    assert 10 < low < 20_000
    for terms in range(low - 8, low + 9):
        new, today = scan_both({"deep.py": nest(terms).encode()})
        assert new == today, terms


def test_trigger_groups_come_from_the_checker_lists():
    groups = python_ast.TRIGGER_GROUPS
    assert frozenset({"os", "system"}) in groups
    assert frozenset({"urllib", "request"}) in groups
    assert frozenset({"os", "exec*"}) in groups and frozenset({"os", "spawn*"}) in groups
    assert frozenset({"__import__"}) in groups and frozenset({"importlib", "import_module"}) in groups
    for name in python_ast.NETWORK_MODULES | python_ast.FS_WRITE_NAMES | python_ast.PROCESS_NAMES:
        assert frozenset(name.split(".")) in groups


# --- property: "no syntax tree needed" means the checker finds nothing ----------------------------

TRIGGERS = [
    "os", "system", "popen", "execvp", "spawnl", "subprocess", "socket", "urllib", "request",
    "eval", "exec", "compile", "open", "builtins", "environ", "getenv", "importlib", "import_module",
    "__import__", "shutil", "rmtree", "write_text", "Path", "ZipFile", "zipfile", "asyncio",
    "open_connection", "pty", "spawn", "http", "client", "O_WRONLY",
]  # fmt: skip
FILLERS = ["x", "y", "self", "value", "data", "f", "rf", "b"]
NAME = st.sampled_from(TRIGGERS + FILLERS)
WORDS = st.lists(
    st.sampled_from(TRIGGERS + FILLERS + ["(", ")", ".", "{", "}", "'", '"', "#", "\\"]), max_size=6
)


@st.composite
def literal(draw) -> str:
    prefix = draw(st.sampled_from(["", "r", "b", "f", "rf", "F", "u"]))
    quote = draw(st.sampled_from(["'", '"', "'''", '"""']))
    body = " ".join(draw(WORDS))
    if prefix in ("f", "rf", "F") and draw(st.booleans()):
        body += "{" + draw(NAME) + "(" + draw(NAME) + ")}"
    return prefix + quote + body.replace("\\", "").replace(quote[0], "") + quote


@st.composite
def statement(draw) -> str:
    a, b, c = draw(NAME), draw(NAME), draw(NAME)
    return draw(
        st.sampled_from(
            [
                f"import {a}",
                f"import {a}.{b} as {c}",
                f"from {a} import {b}",
                f"from {a} import {b} as {c}",
                f"{a}.{b}({draw(literal())}, {c})",
                f"{a}({b}, {draw(literal())})",
                f"{a}.{b}[{draw(literal())}]",
                f"{a} = {draw(literal())}  # {' '.join(draw(WORDS))}",
                f"{a} = __import__({draw(literal())}).{b}",
                f"# {' '.join(draw(WORDS))}",
                f"{a} = {draw(literal())} {draw(literal())}",
            ]
        )
    )


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statement(), min_size=1, max_size=8))
def test_no_syntax_tree_needed_means_no_capability_hit(lines):
    source = ("\n".join(lines) + "\n").encode()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    if not python_ast.needs_ast(source):
        assert python_ast._Checker(tree, ()).run() == []
    new, today = scan_both({"gen.py": source})
    assert new == today
