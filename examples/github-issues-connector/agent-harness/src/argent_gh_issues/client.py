"""A tiny GitHub REST client (issues only), built on urllib.

The only host contacted is api.github.com (``network:api.github.com``); the
token comes from the ``GITHUB_TOKEN`` environment variable, which ArgentOS fills
from the secret of the same name (``secrets:GITHUB_TOKEN``).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

API_ROOT = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "argent-gh-issues/0.4.1"
REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class GitHubError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Issue:
    number: int
    title: str
    state: str
    url: str
    author: str
    labels: list[str] = field(default_factory=list)
    comments: int = 0
    created_at: str = ""
    body: str = ""

    @classmethod
    def from_api(cls, data: dict) -> Issue:
        return cls(
            number=int(data["number"]),
            title=data.get("title", ""),
            state=data.get("state", ""),
            url=data.get("html_url", ""),
            author=(data.get("user") or {}).get("login", "ghost"),
            labels=[lbl["name"] if isinstance(lbl, dict) else str(lbl)
                    for lbl in data.get("labels", [])],
            comments=int(data.get("comments", 0)),
            created_at=data.get("created_at", ""),
            body=data.get("body") or "",
        )

    def as_dict(self) -> dict:
        return asdict(self)


Opener = Callable[..., object]


def check_repo(repo: str, allowed: list[str] | None = None) -> str:
    if not repo or not REPO_RE.match(repo):
        raise GitHubError(f"repository must look like owner/name, got {repo!r}")
    if allowed and repo.lower() not in {a.lower() for a in allowed}:
        raise GitHubError(f"repository {repo} is not in allowed_repos")
    return repo


def split_labels(labels: str | None) -> list[str]:
    return [s.strip() for s in (labels or "").split(",") if s.strip()]


class GitHubClient:
    def __init__(self, token: str | None, *, opener: Opener | None = None, timeout: float = 15):
        if not token:
            raise GitHubError("GITHUB_TOKEN is not set; add it in ArgentOS secrets")
        self._token = token
        self._open = opener or urllib.request.urlopen
        self._timeout = timeout

    def _request(self, method: str, path: str, *, query: dict | None = None,
                 body: dict | None = None):
        url = API_ROOT + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with self._open(req, timeout=self._timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise GitHubError(_error_message(exc.code, exc.read()), exc.code) from exc
        except urllib.error.URLError as exc:
            raise GitHubError(f"could not reach api.github.com: {exc.reason}") from exc
        try:
            return json.loads(raw or b"null")
        except ValueError as exc:
            raise GitHubError("GitHub returned something that is not JSON") from exc

    def list_issues(self, repo: str, *, state: str = "open", labels: str | None = None,
                    limit: int = 20) -> list[Issue]:
        if state not in ("open", "closed", "all"):
            raise GitHubError("state must be open, closed or all")
        limit = max(1, min(int(limit), 100))
        query = {"state": state, "per_page": str(limit), "sort": "created",
                 "direction": "desc"}
        if split_labels(labels):
            query["labels"] = ",".join(split_labels(labels))
        data = self._request("GET", f"/repos/{repo}/issues", query=query)
        if not isinstance(data, list):
            raise GitHubError("unexpected answer from GitHub: expected a list")
        # The issues endpoint also returns pull requests; those carry "pull_request".
        return [Issue.from_api(item) for item in data if "pull_request" not in item][:limit]

    def create_issue(self, repo: str, title: str, body: str = "",
                     labels: str | None = None) -> Issue:
        title = title.strip()
        if not title:
            raise GitHubError("title must not be empty")
        payload: dict = {"title": title}
        if body:
            payload["body"] = body
        if split_labels(labels):
            payload["labels"] = split_labels(labels)
        return Issue.from_api(self._request("POST", f"/repos/{repo}/issues", body=payload))


def _error_message(status: int, raw: bytes) -> str:
    try:
        detail = json.loads(raw).get("message", "")
    except (ValueError, AttributeError):
        detail = raw.decode("utf-8", "replace")[:200]
    hints = {
        401: "the token is missing, expired or wrong",
        403: "the token lacks permission, or the rate limit is exhausted",
        404: "repository not found, or the token cannot see it",
        410: "issues are disabled for this repository",
        422: "GitHub rejected the input",
    }
    hint = hints.get(status)
    return f"GitHub answered HTTP {status}: {detail}" + (f" ({hint})" if hint else "")


def format_issues(issues: list[Issue]) -> str:
    if not issues:
        return "No issues found."
    lines = []
    for i in issues:
        labels = f" [{', '.join(i.labels)}]" if i.labels else ""
        lines.append(f"#{i.number} {i.title}{labels} — @{i.author}, {i.comments} comments")
    return "\n".join(lines)
