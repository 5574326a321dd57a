"""Tests with a fake HTTP layer: no request ever leaves the process."""

import io
import json
import urllib.error

import pytest

from argent_gh_issues import cli
from argent_gh_issues.client import GitHubClient, GitHubError, check_repo, format_issues
from argent_gh_issues.sample import SAMPLE_ISSUES


class FakeResponse:
    def __init__(self, payload, status=200):
        self._raw = json.dumps(payload).encode()
        self.status = status

    def read(self):
        return self._raw

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeOpener:
    """Records requests and replays canned answers (a payload or an exception)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, request, timeout=None):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return FakeResponse(answer)


def http_error(code, message):
    body = io.BytesIO(json.dumps({"message": message}).encode())
    return urllib.error.HTTPError("https://api.github.com/x", code, message, {}, body)


def test_list_filters_pull_requests_and_sends_headers():
    opener = FakeOpener(SAMPLE_ISSUES)
    issues = GitHubClient("t0ken", opener=opener).list_issues("octo-org/demo", labels="bug, ")
    assert [i.number for i in issues] == [42, 39]
    assert issues[0].labels == ["bug", "good first issue"]
    req = opener.requests[0]
    assert req.get_method() == "GET"
    assert req.full_url.startswith("https://api.github.com/repos/octo-org/demo/issues?")
    assert "labels=bug" in req.full_url and "state=open" in req.full_url
    assert req.get_header("Authorization") == "Bearer t0ken"
    assert req.get_header("X-github-api-version") == "2022-11-28"


def test_create_posts_json_payload():
    created = {"number": 43, "title": "Hello", "state": "open",
               "html_url": "https://github.com/octo-org/demo/issues/43",
               "user": {"login": "argent-bot"}, "labels": [{"name": "triage"}]}
    opener = FakeOpener(created)
    issue = GitHubClient("t", opener=opener).create_issue("octo-org/demo", "  Hello ",
                                                         "Body text", "triage")
    assert issue.number == 43 and issue.author == "argent-bot"
    req = opener.requests[0]
    assert req.get_method() == "POST"
    assert json.loads(req.data) == {"title": "Hello", "body": "Body text", "labels": ["triage"]}
    assert req.get_header("Content-type") == "application/json"


def test_http_errors_become_readable_messages():
    opener = FakeOpener(http_error(404, "Not Found"))
    with pytest.raises(GitHubError) as exc:
        GitHubClient("t", opener=opener).list_issues("octo-org/missing")
    assert exc.value.status == 404
    assert "repository not found" in str(exc.value)


def test_missing_token_is_an_error():
    with pytest.raises(GitHubError, match="GITHUB_TOKEN"):
        GitHubClient("")


def test_empty_title_rejected_before_any_request():
    opener = FakeOpener()
    with pytest.raises(GitHubError):
        GitHubClient("t", opener=opener).create_issue("a/b", "   ")
    assert opener.requests == []


def test_check_repo():
    assert check_repo("octo-org/demo") == "octo-org/demo"
    with pytest.raises(GitHubError):
        check_repo("not a repo")
    with pytest.raises(GitHubError):
        check_repo("octo-org/other", ["octo-org/demo"])


def test_format_issues():
    assert format_issues([]) == "No issues found."


def test_cli_list_with_fake_opener(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.delenv("ARGENT_GH_ALLOWED_REPOS", raising=False)
    out = cli.run(["list", "--repo", "octo-org/demo", "--json"], opener=FakeOpener(SAMPLE_ISSUES))
    assert [i["number"] for i in json.loads(out)] == [42, 39]


def test_cli_respects_allowed_repos(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("ARGENT_GH_ALLOWED_REPOS", "octo-org/demo")
    with pytest.raises(GitHubError):
        cli.run(["list", "--repo", "someone/else"], opener=FakeOpener())


def test_cli_offline_needs_no_token(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert "#42 Crash when the config file is empty" in cli.run(["list", "--offline"])
    dry = json.loads(cli.run(["create", "--offline", "--repo", "a/b", "--title", "T", "--json"]))
    assert dry["dry_run"] is True and dry["request"]["json"]["title"] == "T"
