"""``argent-gh-issues list|create`` — the commands behind the connector's tools."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .client import GitHubClient, GitHubError, Issue, check_repo, format_issues, split_labels
from .sample import SAMPLE_ISSUES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argent-gh-issues",
                                     description="List and create GitHub issues.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repo", default=os.environ.get("ARGENT_GH_REPO", ""),
                        help="owner/name (default: $ARGENT_GH_REPO)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("--offline", action="store_true",
                        help="no network: list shows sample issues, create prints the request")

    p_list = sub.add_parser("list", parents=[common], help="list issues")
    p_list.add_argument("--state", choices=("open", "closed", "all"), default="open")
    p_list.add_argument("--labels", help="comma-separated label filter")
    p_list.add_argument("--limit", type=int, default=20)

    p_create = sub.add_parser("create", parents=[common], help="open an issue")
    p_create.add_argument("--title", required=True)
    p_create.add_argument("--body", default="")
    p_create.add_argument("--labels", help="comma-separated labels to apply")
    return parser


def allowed_repos() -> list[str]:
    return split_labels(os.environ.get("ARGENT_GH_ALLOWED_REPOS"))


def run(argv: list[str] | None = None, *, opener=None) -> str:
    args = build_parser().parse_args(argv)

    if args.offline:
        if args.command == "list":
            issues = [Issue.from_api(i) for i in SAMPLE_ISSUES if "pull_request" not in i]
            issues = issues[: max(1, args.limit)]
            if args.json:
                return json.dumps([i.as_dict() for i in issues], ensure_ascii=False)
            return format_issues(issues)
        request = {"method": "POST",
                   "url": f"https://api.github.com/repos/{args.repo or 'OWNER/REPO'}/issues",
                   "json": {"title": args.title, "body": args.body,
                            "labels": split_labels(args.labels)}}
        return json.dumps({"dry_run": True, "request": request}, ensure_ascii=False, indent=None
                          if args.json else 2)

    repo = check_repo(args.repo, allowed_repos())
    client = GitHubClient(os.environ.get("GITHUB_TOKEN"), opener=opener)
    if args.command == "list":
        issues = client.list_issues(repo, state=args.state, labels=args.labels, limit=args.limit)
        if args.json:
            return json.dumps([i.as_dict() for i in issues], ensure_ascii=False)
        return format_issues(issues)

    issue = client.create_issue(repo, args.title, args.body, args.labels)
    if args.json:
        return json.dumps(issue.as_dict(), ensure_ascii=False)
    return f"Created #{issue.number}: {issue.url}"


def main(argv: list[str] | None = None) -> int:
    try:
        print(run(argv))
    except GitHubError as exc:
        print(f"argent-gh-issues: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
