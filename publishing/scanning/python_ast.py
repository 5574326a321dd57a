"""Capability checks on Python members by reading their syntax tree (``ast``); nothing is executed.

Reports, once per member and per code, at the first occurrence:

* ``scan.undeclared_network`` (medium): imports or uses of network modules
  (:data:`NETWORK_MODULES`) or ``asyncio`` connection functions without a
  ``network`` or ``network:HOST`` permission;
* ``scan.undeclared_process`` (high): ``subprocess``, ``os.system``,
  ``os.popen``, ``os.exec*``, ``os.spawn*``, ``os.posix_spawn*``,
  ``os.fork*``, ``pty.spawn``, ``asyncio.create_subprocess_*`` and the like
  without ``process``;
* ``scan.undeclared_fs_write`` (medium): ``open(..., mode)`` with ``w``,
  ``a``, ``x`` or ``+`` (also ``io``/``codecs``/``gzip``/``bz2``/``lzma``/
  ``tarfile``/``zipfile``), ``Path.write_text``/``write_bytes``/``touch``/
  ``mkdir``/``unlink``/``rmdir``/``symlink_to``, ``os.remove``/``unlink``/
  ``rename``/``replace``/``makedirs``/..., ``os.open`` with a write flag and
  ``shutil`` copies, moves and deletions, without ``fs:write``;
* ``scan.undeclared_secret`` (medium): ``os.environ[NAME]``,
  ``os.environ.get(NAME)`` or ``os.getenv(NAME)`` of a literal name that looks
  like a secret (a ``_``-separated word such as ``TOKEN``, ``KEY``,
  ``SECRET``, ``PASSWORD``, ``CREDENTIAL(S)``) without ``secrets:NAME``;
* ``scan.dynamic_code`` (medium): ``eval``, ``exec`` or ``compile`` of
  anything but a string literal, whatever the permissions;
* ``scan.python_unparsable`` (low): the member is not valid Python 3.11.

How a member is checked (:func:`check_python`): first a lexical prefilter
(:func:`needs_ast`) reads the identifiers outside comments and string literals; if
no rule can fire, the member is only parsed and given its symbol table (the first
two steps of ``compile()``, in C; nothing runs) to check that it is valid Python
3.11, since a member another Python reads differently must still be reported.
Otherwise, and whenever that check fails or warns, the member is parsed
(``ast.parse``) and its syntax tree walked; ``ast.parse`` alone decides
``scan.python_unparsable``.

Names are resolved through the member's own imports (``import os as o``,
``from os import system``), so aliases do not hide a call. A local variable
that shadows a module name is not tracked: this is a review aid, not a proof.
"""

from __future__ import annotations

import ast
import io
import re
import symtable
import tokenize
import unicodedata
import warnings

from publishing.constants import Severity

from .base import Hit, declares
from .capabilities import FS_WRITE, NETWORK, PROCESS

#: Modules (and their submodules) whose import or use is network access.
NETWORK_MODULES = frozenset(
    {
        "socket",
        "socketserver",
        "urllib.request",
        "urllib3",
        "http.client",
        "http.server",
        "requests",
        "httpx",
        "aiohttp",
        "ftplib",
        "smtplib",
        "poplib",
        "imaplib",
        "nntplib",
        "telnetlib",
        "xmlrpc.client",
        "xmlrpc.server",
        "websocket",
        "websockets",
        "paramiko",
        "pycurl",
        "grpc",
        "zmq",
        "asyncssh",
        "tornado.httpclient",
        "twisted.internet",
        "asyncio.open_connection",
        "asyncio.start_server",
        "asyncio.open_unix_connection",
        "asyncio.start_unix_server",
    }
)
#: Modules and functions that start processes.
PROCESS_NAMES = frozenset(
    {
        "subprocess",
        "pexpect",
        "sh",
        "plumbum",
        "os.system",
        "os.popen",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "pty.fork",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
PROCESS_PREFIXES = ("os.exec", "os.spawn")
#: Functions that write, move or delete files whatever their arguments.
FS_WRITE_NAMES = frozenset(
    {
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.renames",
        "os.replace",
        "os.makedirs",
        "os.mkdir",
        "os.rmdir",
        "os.removedirs",
        "os.truncate",
        "os.symlink",
        "os.link",
        "os.mkfifo",
        "os.mknod",
        "os.chmod",
        "os.chown",
        "os.lchown",
        "os.utime",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.copymode",
        "shutil.copystat",
        "shutil.move",
        "shutil.rmtree",
        "shutil.make_archive",
        "shutil.unpack_archive",
        "shutil.chown",
    }
)
#: Method names that write whatever the receiver (``pathlib.Path`` methods with unambiguous names).
FS_WRITE_METHODS = frozenset(
    {"write_text", "write_bytes", "touch", "mkdir", "unlink", "rmdir", "symlink_to", "hardlink_to", "link_to"}
)
#: Open-like functions whose mode is the second positional argument.
OPEN_FUNCTIONS = frozenset(
    {
        "open",
        "builtins.open",
        "io.open",
        "codecs.open",
        "gzip.open",
        "bz2.open",
        "lzma.open",
        "tarfile.open",
        "zipfile.ZipFile",
        "dbm.open",
        "shelve.open",
    }
)
#: ``os.open`` flags that write.
OS_OPEN_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})
_MODE_RE = re.compile(r"[rwxabtU+cn]{1,4}(?::(?:gz|bz2|xz|\*))?")
_WRITE_MODE_CHARS = frozenset("wax+cn")
_ENV_READERS = frozenset(
    {"os.getenv", "os.getenvb", "os.environ.get", "os.environ.pop", "os.environ.setdefault"}
)
_ENVIRON = frozenset({"os.environ", "os.environb"})
#: ``_``-separated words (or word endings) that make an environment variable look like a secret.
SECRET_WORDS = ("TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS")
SECRET_WORD_ENDINGS = ("APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIALS")
_DYNAMIC_BUILTINS = frozenset(
    {"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"}
)
#: Python members larger than this (bytes) are not parsed; the line patterns check them instead.
MAX_AST_BYTES = 4 * 1024 * 1024


def looks_secret(name: str) -> bool:
    """Whether an environment variable name looks like it holds a secret (``GITHUB_TOKEN``, ``DB_PASSWORD``)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name.upper()) if w]
    if "PUBLIC" in words:
        return False
    return any(w in SECRET_WORDS or w.endswith(SECRET_WORD_ENDINGS) for w in words)


def _matches(qualname: str, names: frozenset[str]) -> bool:
    """Whether ``qualname`` is one of ``names`` or inside one (``urllib.request.urlopen``)."""
    parts = qualname.split(".")
    return any(".".join(parts[:i]) in names for i in range(1, len(parts) + 1))


class _Checker:
    def __init__(self, tree: ast.Module, permissions: tuple[str, ...]) -> None:
        self.tree = tree
        self.permissions = permissions
        self.aliases: dict[str, str] = {}
        self.first: dict[str, tuple[int, str]] = {}
        self.secret_names: dict[str, int] = {}
        self.nodes = list(ast.walk(tree))  # walked twice: imports first, then uses

    # --- names ----------------------------------------------------------------------------

    def collect_imports(self) -> None:
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.aliases[head] = head
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qualname(self, node: ast.AST, *, imported_only: bool = False) -> str | None:
        """``a.b.c`` for a ``Name``/``Attribute`` chain, with the first name resolved through imports.

        ``__import__("os").system`` reads as ``os.system``. With ``imported_only``,
        chains that do not start with an imported name give ``None``.
        """
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            if imported_only and node.id not in self.aliases:
                return None
            head = self.aliases.get(node.id, node.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            head = node.args[0].value
        else:
            return None
        return ".".join([head, *reversed(parts)])

    # --- reporting ------------------------------------------------------------------------

    def report(self, code: str, line: int, detail: str) -> None:
        if code not in self.first or line < self.first[code][0]:
            self.first[code] = (line, detail)

    def use(self, capability, line: int, detail: str) -> None:
        if not declares(self.permissions, capability.permission):
            self.report(capability.code, line, detail)

    def check_module_name(self, name: str, line: int) -> None:
        if _matches(name, NETWORK_MODULES):
            self.use(NETWORK, line, name)
        if _matches(name, PROCESS_NAMES) or name.startswith(PROCESS_PREFIXES):
            self.use(PROCESS, line, name)
        if _matches(name, FS_WRITE_NAMES):
            self.use(FS_WRITE, line, name)

    # --- the walk -------------------------------------------------------------------------

    def run(self) -> list[Hit]:
        self.collect_imports()
        for node in self.nodes:
            line = getattr(node, "lineno", 1)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.check_module_name(alias.name, line)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self.check_module_name(node.module, line)
                for alias in node.names:
                    self.check_module_name(f"{node.module}.{alias.name}", line)
            elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
                # ``os.system``, ``urllib.request.urlopen``; ``system`` after ``from os import system``.
                name = self.qualname(node, imported_only=True)
                if name and name != getattr(node, "id", None):
                    self.check_module_name(name, line)
            if isinstance(node, ast.Call):
                self.check_call(node, line)
            elif isinstance(node, ast.Subscript):
                self.check_environ_subscript(node, line)
        return self.hits()

    def check_call(self, node: ast.Call, line: int) -> None:
        func = node.func
        name = self.qualname(func)
        if name in ("__import__", "importlib.import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.check_module_name(arg.value, line)
        if name in _DYNAMIC_BUILTINS and (func_is_builtin(func, self.aliases) or "." in name):
            first = node.args[0] if node.args else None
            if first is not None and not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                self.report("scan.dynamic_code", line, name.rsplit(".", 1)[-1])
        if name in OPEN_FUNCTIONS and (name != "open" or func_is_builtin(func, self.aliases)):
            index = 1
            if _is_write_mode(_mode_argument(node, index)):
                self.use(FS_WRITE, line, f"{name}() for writing")
        elif isinstance(func, ast.Attribute):
            if func.attr == "open" and name not in OPEN_FUNCTIONS and name != "os.open":
                if _is_write_mode(_mode_argument(node, 0)):
                    self.use(FS_WRITE, line, ".open() for writing")
            elif func.attr in FS_WRITE_METHODS and not (name or "").startswith(("os.", "shutil.")):
                self.use(FS_WRITE, line, f".{func.attr}()")
        if name == "os.open" and len(node.args) > 1 and self._has_write_flag(node.args[1]):
            self.use(FS_WRITE, line, "os.open() with a write flag")
        if name in _ENV_READERS and node.args:
            self.check_secret_name(node.args[0], line)

    def check_environ_subscript(self, node: ast.Subscript, line: int) -> None:
        if self.qualname(node.value) in _ENVIRON and isinstance(node.ctx, ast.Load):
            self.check_secret_name(node.slice, line)

    def check_secret_name(self, arg: ast.AST, line: int) -> None:
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and looks_secret(arg.value)
            and f"secrets:{arg.value}" not in self.permissions
        ):
            self.secret_names.setdefault(arg.value, line)

    def _has_write_flag(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            name = self.qualname(sub) if isinstance(sub, ast.Attribute | ast.Name) else None
            if name and name.rsplit(".", 1)[-1] in OS_OPEN_WRITE_FLAGS:
                return True
        return False

    def hits(self) -> list[Hit]:
        hits = []
        capabilities = {c.code: c for c in (NETWORK, PROCESS, FS_WRITE)}
        for code, (line, detail) in self.first.items():
            if code in capabilities:
                capability = capabilities[code]
                hits.append(Hit(code, capability.severity, capability.message(detail), line=line))
            else:  # scan.dynamic_code
                hits.append(
                    Hit(
                        code,
                        Severity.MEDIUM,
                        f"Runs dynamically built code ({detail}() of data that is not a string literal).",
                        line=line,
                    )
                )
        if self.secret_names:
            names = sorted(self.secret_names, key=self.secret_names.__getitem__)
            wanted = ", ".join(f"'secrets:{n}'" for n in names)
            hits.append(
                Hit(
                    "scan.undeclared_secret",
                    Severity.MEDIUM,
                    f"Reads the secret-looking environment variable(s) {', '.join(names)} without "
                    f"declaring {wanted} (package format, 'Kinds and permissions').",
                    line=min(self.secret_names.values()),
                )
            )
        return hits


def func_is_builtin(func: ast.AST, aliases: dict[str, str]) -> bool:
    """Whether ``func`` is a bare name not rebound by an import (``open``, ``eval``)."""
    return isinstance(func, ast.Name) and func.id not in aliases


def _mode_argument(node: ast.Call, index: int) -> object:
    for keyword in node.keywords:
        if keyword.arg == "mode":
            return keyword.value.value if isinstance(keyword.value, ast.Constant) else None
    if len(node.args) > index and isinstance(node.args[index], ast.Constant):
        return node.args[index].value
    return None


def _is_write_mode(mode: object) -> bool:
    return isinstance(mode, str) and bool(_MODE_RE.fullmatch(mode)) and bool(_WRITE_MODE_CHARS & set(mode))


# --- the prefilter: can this member produce a capability hit at all? -----------------------------


def _trigger_groups() -> frozenset[frozenset[str]]:
    """The component sets of every name :class:`_Checker` reacts to (see :func:`needs_ast`).

    A component ending in ``*`` stands for any identifier starting with what precedes it.
    """
    names = {
        *NETWORK_MODULES,
        *PROCESS_NAMES,
        *FS_WRITE_NAMES,
        *OPEN_FUNCTIONS,
        *_ENV_READERS,
        *_ENVIRON,
        *_DYNAMIC_BUILTINS,
        *FS_WRITE_METHODS,  # ``x.write_text()`` whatever ``x`` is
        "open",  # ``x.open(..., "w")`` whatever ``x`` is
        "os.open",
        "__import__",
        "importlib.import_module",
    }
    groups = {frozenset(name.split(".")) for name in names}
    for prefix in PROCESS_PREFIXES:
        *head, last = prefix.split(".")
        groups.add(frozenset([*head, last + "*"]))
    return frozenset(groups)


#: Each set lists the identifiers that must all occur in a member's code for one rule to fire.
TRIGGER_GROUPS = _trigger_groups()
_TRIGGER_WORDS = frozenset(c for group in TRIGGER_GROUPS for c in group if not c.endswith("*"))
_TRIGGER_PREFIXES = tuple(sorted({c[:-1] for group in TRIGGER_GROUPS for c in group if c.endswith("*")}))
_F_PREFIXES = frozenset({"f", "F", "rf", "rF", "Rf", "RF", "fr", "fR", "Fr", "FR"})

# A string literal from its opening quote (prefix letters stay outside the match: only ``f``
# changes how a literal is read, see ``_STRING_OR_COMMENT_F``). A backslash escapes anything, a
# newline included; an unterminated literal runs to the end of its line (single-quoted) or of the
# text (triple-quoted), so every match attempt succeeds at once and the scan stays linear whatever
# the input (such input is not valid Python, and takes the full path).
_SQ = r"'(?:''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)|[^'\\\n]*(?:\\.[^'\\\n]*)*(?:'|$))"
_DQ = _SQ.replace("'", '"')
#: A comment or a string literal: what is not code.
_STRING_OR_COMMENT = re.compile(rf"#[^\n]*|{_SQ}|{_DQ}", re.DOTALL | re.MULTILINE)
#: The same, with the f-strings (whose ``{...}`` parts are code) in group 1.
_STRING_OR_COMMENT_F = re.compile(
    rf"#[^\n]*|((?:[fF][rR]?|[rR][fF])(?:{_SQ}|{_DQ}))|{_SQ}|{_DQ}", re.DOTALL | re.MULTILINE
)
_WORD = re.compile(r"[^\W\d]\w*")


def _source_text(data: bytes) -> str | None:
    """``data`` decoded as Python decodes a source file (PEP 263 cookie or BOM, else UTF-8).

    Line ends become ``\\n`` (Python reads ``\\r\\n`` and a lone ``\\r`` as line ends too).
    ``None`` when the encoding declaration or the bytes are invalid.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def code_identifiers(text: str) -> set[str]:
    """The identifiers of ``text`` (decoded Python source) outside comments and non-f string literals.

    Every identifier that Python's tokenizer reads as a ``NAME`` token is in the result,
    NFKC-normalised as Python normalises identifiers (``ｅｖａｌ`` is ``eval``). The result may
    hold more: every word inside an f-string (whose ``{...}`` parts are code), words glued to a
    literal. Exact only for valid Python 3.11 (which reads an f-string's extent like any
    literal's; PEP 701 came in 3.12); for other text the result means nothing.
    """
    stripped = code = _STRING_OR_COMMENT.sub(" ", text)
    found = _WORD.findall(stripped)
    extra = ""
    if not _F_PREFIXES.isdisjoint(found):
        # A word ``f``, ``rf``... (before a literal, maybe): read again, keeping the f-strings.
        code = _STRING_OR_COMMENT_F.sub(" ", text)
        extra = " ".join(_STRING_OR_COMMENT_F.findall(text))
    if not text.isascii():
        # After the lexing, never before: NFKC turns some characters inside literals into quotes.
        code = unicodedata.normalize("NFKC", code)
        extra = unicodedata.normalize("NFKC", extra)
    words = set(found if code is stripped else _WORD.findall(code))
    if extra:
        words.update(_WORD.findall(extra))
    return words


def needs_ast(data: bytes) -> bool:
    """Whether the capability checks must read ``data`` (a Python member); ``False`` only if no rule can fire.

    Sound, not exact: it may answer ``True`` for a member without findings, never ``False`` for a
    member with a capability, secret-variable or dynamic-code finding, provided the member is valid
    Python 3.11 (:func:`check_python` checks that, and reads a member that is not the full way).

    Why. Every hit of :class:`_Checker` comes from a qualified name built by
    :meth:`_Checker.qualname`, or from an attribute name. A qualified name's head is a ``Name``
    token resolved through the member's imports (the dotted names of import statements are
    ``NAME`` tokens too), or the string argument of an ``__import__(...)`` call; its other parts
    are attribute names, ``NAME`` tokens. So unless ``__import__`` occurs, every component of a
    qualified name is an identifier of the code, and a rule that matches a listed name (or a name
    inside one, as ``_matches`` allows) needs every component of that listed name among the
    identifiers: :data:`NETWORK_MODULES`, :data:`PROCESS_NAMES`, :data:`FS_WRITE_NAMES`,
    :data:`OPEN_FUNCTIONS`, the environment readers and ``os.environ``/``os.environb`` (secret
    variables), ``eval``/``exec``/``compile`` and their ``builtins.`` forms, ``os.open``,
    ``__import__`` and ``importlib.import_module`` (whose string argument is then checked).
    ``os.exec*``/``os.spawn*`` need ``os`` and an identifier starting with ``exec``/``spawn``. The
    attribute checks (``x.open(..., "w")``, ``x.write_text()`` and the rest of
    :data:`FS_WRITE_METHODS`) need that attribute's name. The ``os.open`` write flags only matter
    once ``os`` and ``open`` occur. Permissions are ignored. :data:`TRIGGER_GROUPS` is built from
    those lists, so a name added to one of them is covered.

    Identifiers: :func:`code_identifiers` of the text decoded as Python decodes it. Bytes that do
    not decode answer ``True``.
    """
    text = _source_text(data)
    if text is None:
        return True
    words = code_identifiers(text)
    present = words & _TRIGGER_WORDS
    for prefix in _TRIGGER_PREFIXES:
        if any(word.startswith(prefix) for word in words):
            present.add(prefix + "*")
    return any(group <= present for group in TRIGGER_GROUPS)


#: Extra stack frames under :func:`check_python` at which the quick check runs, a margin for the
#: nesting limits that depend on the stack depth: a member the quick check accepts must be one that
#: ``ast.parse`` accepts too (tests: nesting of each kind at its limit gives the same findings).
_QUICK_CHECK_FRAMES = 2


def _valid_quickly(data: bytes, frames: int = _QUICK_CHECK_FRAMES) -> bool:
    """Whether ``data`` is valid Python 3.11 without an error or a warning, checked cheaply.

    ``symtable.symtable`` runs the two steps of ``compile()`` that can refuse a module's syntax
    (the parser and the symbol table) and skips the bytecode: 220 ms where ``compile()`` took
    260 ms for the 6 MB of Python of ``scripts/benchmark_publish.py``, and ``ast.parse`` 1,050 ms
    (it makes a Python object of every node). Nothing runs. It refuses more than ``ast.parse``
    (``nonlocal`` at module level): such a member takes the full path, as one that fails.
    """
    if frames:
        return _valid_quickly(data, frames - 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            symtable.symtable(data, "<member>", "exec")
        except Exception:  # noqa: BLE001 - whatever fails, ast.parse decides as without the shortcut
            return False
    # A warning may be an error under other filters (``-W error``): ast.parse decides then too.
    return not caught


def check_python(data: bytes, permissions: tuple[str, ...]) -> list[Hit]:
    """Hits for one Python member (see the module docstring); never raises on bad input.

    Members over :data:`MAX_AST_BYTES` are not parsed (the caller runs the line patterns). A
    member in which no rule can fire (:func:`needs_ast`) and that is valid (:func:`_valid_quickly`)
    has no findings and is not turned into a syntax tree; any other member is parsed and walked.
    """
    if not needs_ast(data) and _valid_quickly(data):
        return []
    try:
        tree = ast.parse(data, type_comments=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or 1
        reason = getattr(exc, "msg", None) or exc.__class__.__name__
        return [
            Hit(
                "scan.python_unparsable",
                Severity.LOW,
                f"Not valid Python 3.11 ({reason}); the capability checks could not read it.",
                line=line,
            )
        ]
    try:
        return _Checker(tree, permissions).run()
    except RecursionError:
        return [
            Hit(
                "scan.python_unparsable",
                Severity.LOW,
                "Nested too deeply for the capability checks to read it.",
                line=1,
            )
        ]
