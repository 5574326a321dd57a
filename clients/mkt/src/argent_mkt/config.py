"""Where the ``mkt`` client finds the marketplace URL and the author token.

Precedence, highest first: the command-line option, the environment (``MKT_URL``,
``MKT_TOKEN``), the config file, the default URL.  The config file is TOML with the
keys ``url`` and ``token``, at ``$MKT_CONFIG`` or ``~/.config/mkt/config.toml``
(``$XDG_CONFIG_HOME/mkt/config.toml`` when that is set).  Because it holds a secret
it MUST NOT be readable or writable by group or others: the client refuses to read
it otherwise, the way ``ssh`` refuses a private key with loose permissions.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_URL",
    "ConfigError",
    "Settings",
    "config_path",
    "load_config",
    "resolve",
    "write_config",
]

DEFAULT_URL = "http://127.0.0.1:8000"
ENV_CONFIG = "MKT_CONFIG"
ENV_URL = "MKT_URL"
ENV_TOKEN = "MKT_TOKEN"  # noqa: S105 - the name of a variable, not a secret
_KEYS = ("url", "token")


class ConfigError(Exception):
    """The configuration is missing, malformed or unsafe; the CLI exits with status 2."""


@dataclass(frozen=True)
class Settings:
    """The URL and token to use, and where each came from (for messages)."""

    url: str
    token: str | None
    url_source: str
    token_source: str | None


def config_path() -> Path:
    """The config file's path: ``$MKT_CONFIG``, else ``~/.config/mkt/config.toml``."""
    explicit = os.environ.get(ENV_CONFIG)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mkt" / "config.toml"


def load_config(path: Path | None = None) -> dict[str, str]:
    """Read the config file; an absent file is an empty config.

    Raises:
        ConfigError: when the file is accessible to group or others (the message says
            to ``chmod 600`` it), is not valid TOML, or has non-string values.
    """
    path = config_path() if path is None else path
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_IMODE(mode) & 0o077:
                raise ConfigError(
                    f"{path} holds your token but its permissions are {stat.S_IMODE(mode):04o}, so other "
                    f"users can access it. Run: chmod 600 {path}"
                )
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a config file.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    result: dict[str, str] = {}
    for key in _KEYS:
        if key in data:
            if not isinstance(data[key], str):
                raise ConfigError(f"{path}: {key} must be a string.")
            result[key] = data[key]
    return result


def resolve(url: str | None = None, token: str | None = None, *, need_token: bool = True) -> Settings:
    """Work out the URL and token from options, environment and config file.

    The config file is only read when an option and its variable are both unset.

    Raises:
        ConfigError: when the config file is unsafe or malformed, or when
            ``need_token`` and no token is found anywhere.
    """
    url_source = token_source = None
    if url:
        url_source = "--url"
    elif os.environ.get(ENV_URL):
        url, url_source = os.environ[ENV_URL], ENV_URL
    if token:
        token_source = "--token"  # noqa: S105 - where the token came from
    elif os.environ.get(ENV_TOKEN):
        token, token_source = os.environ[ENV_TOKEN], ENV_TOKEN
    if not url or not token:
        path = config_path()
        config = load_config(path)
        if not url and config.get("url"):
            url, url_source = config["url"], str(path)
        if not token and config.get("token"):
            token, token_source = config["token"], str(path)
    if not url:
        url, url_source = DEFAULT_URL, "default"
    if need_token and not token:
        raise ConfigError(
            f"No token: pass --token, set {ENV_TOKEN}, or run 'mkt login' to write {config_path()}."
        )
    return Settings(url=url.rstrip("/"), token=token, url_source=url_source, token_source=token_source)


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string for the characters a URL or token holds;
    # json.dumps escapes quotes, backslashes and control characters as \uXXXX.
    return json.dumps(value)


def write_config(values: dict[str, str], path: Path | None = None) -> Path:
    """Write ``values`` (``url``, ``token``) to the config file with mode 0600.

    The directory is created with mode 0700 when missing; an existing file is
    replaced atomically and its permissions are tightened.
    """
    path = config_path() if path is None else path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = ["# mkt configuration; keep this file private (chmod 600).\n"]
    for key in _KEYS:
        if values.get(key):
            lines.append(f"{key} = {_toml_string(values[key])}\n")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.writelines(lines)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
