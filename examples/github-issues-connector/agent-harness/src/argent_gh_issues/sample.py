"""Issues shown by ``list --offline`` (shaped like GitHub API objects)."""

SAMPLE_ISSUES = [
    {
        "number": 42,
        "title": "Crash when the config file is empty",
        "state": "open",
        "html_url": "https://github.com/octo-org/demo/issues/42",
        "user": {"login": "ada"},
        "labels": [{"name": "bug"}, {"name": "good first issue"}],
        "comments": 3,
        "created_at": "2026-03-10T09:12:44Z",
        "body": "Steps to reproduce: create an empty config.toml and start the app.",
    },
    {
        "number": 41,
        "title": "Add dark mode to the settings page",
        "state": "open",
        "html_url": "https://github.com/octo-org/demo/pull/41",
        "user": {"login": "grace"},
        "labels": [],
        "comments": 0,
        "created_at": "2026-03-09T16:01:02Z",
        "pull_request": {"url": "https://api.github.com/repos/octo-org/demo/pulls/41"},
        "body": "",
    },
    {
        "number": 39,
        "title": "Document the plugin permission model",
        "state": "open",
        "html_url": "https://github.com/octo-org/demo/issues/39",
        "user": {"login": "linus"},
        "labels": [{"name": "docs"}],
        "comments": 1,
        "created_at": "2026-03-02T11:30:00Z",
        "body": "",
    },
]
