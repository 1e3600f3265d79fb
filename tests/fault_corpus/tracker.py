"""Spec 3, `specs/tracker.yaml` (OpenAPI 3.1): an issue tracker with HTTP basic auth.

The base server checks the basic credentials, validates path and query parameters, opens
issues from a urlencoded form (values converted to the schema's types, then validated),
updates them from JSON (`null` clears the nullable properties), pages them by offset/limit
and runs exports as jobs that move queued -> running -> succeeded (or failed, for a project
that does not exist) on successive retrieves.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import re
from pathlib import Path
from typing import Any

from tests.fault_corpus.bodies import read_form, read_json
from tests.fault_corpus.schema import SpecDoc, ecma_pattern
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "tracker.yaml"
USER, PASSWORD = "corpus-bot", "tr-7c1e94a2b5d04f38"
KEY = f"{USER}:{PASSWORD}"
BASE = "/api/v3"
PROJECT = "^[A-Z][A-Z0-9]{1,9}$"
EXPORT_ID = "^exp_[0-9a-f]{12}$"
SEEDS = (
    ("Login page times out", 1, "mara", "open"),
    ("Dark mode for the settings page", 3, None, "open"),
    ("Crash on an empty search", 2, "ivo_k", "closed"),
)


def _drift(switch: str) -> Any:
    """The server's own copy of the schemas, drifted from the spec for some faults."""

    def edit(document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        if switch == "form-priority-unchecked":
            schemas["IssueForm"]["properties"]["priority"] = {"type": "integer"}
        elif switch == "due-on-unchecked":
            del schemas["IssueForm"]["properties"]["due_on"]["format"]
        elif switch == "patch-title-null":
            schemas["IssuePatch"]["properties"]["title"]["type"] = ["string", "null"]
        elif switch == "title-in-bytes":
            del schemas["IssueForm"]["properties"]["title"]["maxLength"]

    return edit


def _number(digits: str) -> int:
    """A decimal integer of any length (past 4000 digits, more than any bound here)."""
    return int(digits) if len(digits) <= 4000 else 10**4000


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


class TrackerApp(App):
    """The Tracker API as a production server answers it."""

    routes = (
        route("GET", f"{BASE}/projects/{{project_key}}/issues", "list_issues"),
        route("POST", f"{BASE}/projects/{{project_key}}/issues", "create_issue"),
        route("GET", f"{BASE}/projects/{{project_key}}/issues/{{issue_number}}", "get_issue"),
        route("PATCH", f"{BASE}/projects/{{project_key}}/issues/{{issue_number}}", "update_issue"),
        route("POST", f"{BASE}/exports", "create_export"),
        route("GET", f"{BASE}/exports/{{export_id}}", "get_export"),
    )

    def __init__(self, switch: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(switch, *args, **kwargs)
        self.doc = SpecDoc(SPEC_PATH, _drift(switch))
        self.projects: dict[str, dict[int, dict[str, Any]]] = {"CORE": {}, "WEB": {}}
        self.exports: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        for title, priority, assignee, state in SEEDS:
            issue = self.new_issue("CORE", {"title": title, "priority": priority})
            issue.update(assignee=assignee, state=state, labels=["seed"])
            if state == "closed":
                issue["closed_at"] = issue["updated_at"]

    def error_body(self, status: int, code: str, message: str) -> Any:
        return {
            "type": f"https://tracker.example.com/problems/{code}",
            "title": code,
            "status": status,
            "detail": message,
        }

    # -- issues ------------------------------------------------------------------------------
    def list_issues(self, request: Request) -> Response:
        self.authenticate(request)
        issues = self.project(request)
        offset = self.integer(request, "offset", 0, 0, None)
        limit = self.integer(request, "limit", 25, 1, None if self.on("limit-unbounded") else 100)
        state = request.arg("state")
        if state is not None and state not in ("open", "closed"):
            raise HttpError(400, "invalid_parameter", "state: not open or closed")
        priority = self.integer(request, "priority", 0, 1, 4)  # 0: no filter
        chosen = [
            issue
            for number, issue in sorted(issues.items())
            if (state is None or issue["state"] == state)
            and (not priority or issue["priority"] == priority)
        ]
        if self.on("offset-past-end-500") and chosen:
            _ = chosen[offset]  # the first issue of the page, read without a bound check
        page = chosen[offset : offset + limit]
        answer = {
            "items": [self.render(i) for i in page],
            "total": len(chosen),
            "offset": offset,
            "limit": limit,
        }
        return json_response(200, answer)

    def create_issue(self, request: Request) -> Response:
        self.authenticate(request)
        self.project(request)
        form = read_form(request)
        fields: dict[str, Any] = {
            k: v for k, v in form.items() if k in ("title", "description", "assignee", "due_on")
        }
        if "priority" in form:
            text = form["priority"]
            fields["priority"] = int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else text
        title = fields.get("title")
        if self.on("title-in-bytes") and isinstance(title, str) and len(title.encode()) > 120:
            raise HttpError(self.invalid_status(), "invalid_body", "title: longer than 120")
        self.validate("IssueForm", fields)
        if self.on("title-blank-rejected") and isinstance(title, str) and not title.strip():
            raise HttpError(self.invalid_status(), "invalid_body", "title: must not be blank")
        if self.on("unicode-title-500") and isinstance(title, str):
            title.encode("ascii")  # the title goes into an ASCII-only notification e-mail
        issue = self.new_issue(request.params["project_key"], fields)
        rendered = self.render(issue)
        if self.on("create-not-retrievable"):
            rendered["number"] += 1  # numbered from 1 in storage, from 2 in the answer
        status = 200 if self.on("create-200") else 201
        return json_response(status, rendered)

    def get_issue(self, request: Request) -> Response:
        if not (self.on("no-auth-get") and "authorization" not in request.headers):
            self.authenticate(request)
        return json_response(200, self.render(self.issue(request)))

    def update_issue(self, request: Request) -> Response:
        self.authenticate(request)
        issue = self.issue(request, validate_only=True)
        body = read_json(request)
        if isinstance(body, dict):
            if self.on("patch-priority-bool") and isinstance(body.get("priority"), bool):
                body["priority"] = int(body["priority"])  # `True in (1, 2, 3, 4)` holds
            if self.on("patch-state-case") and isinstance(body.get("state"), str):
                body["state"] = body["state"].lower()
        self.validate("IssuePatch", body)
        if self.on("patch-assignee-null-rejected") and body.get("assignee", "") is None:
            raise HttpError(self.invalid_status(), "invalid_body", "assignee: must be a user")
        issue = self.issue(request)
        now = self.now()
        if body.get("state") == "closed" and issue["state"] == "open":
            issue["closed_at"] = now
        elif body.get("state") == "open":
            issue["closed_at"] = None
        issue.update({k: v for k, v in body.items() if v is not None or k != "title"})
        issue["updated_at"] = now
        return json_response(200, self.render(issue))

    # -- exports -----------------------------------------------------------------------------
    def create_export(self, request: Request) -> Response:
        self.authenticate(request)
        body = read_json(request)
        self.validate("ExportRequest", body)
        created = self.clock()
        export: dict[str, Any] = {
            "id": f"exp_{self.rng.getrandbits(48):012x}",
            "status": "queued",
            "format": body["format"],
            "project_key": body["project_key"],
            "created": int(created * 1000) if self.on("export-created-ms") else int(created),
            "finished": None,
            "download_url": None,
            "error": None,
        }
        self.exports[export["id"]] = export
        self.polls[export["id"]] = 0
        if self.on("export-instant") and body["project_key"] in self.projects:
            self.finish(export)
        return json_response(202, export)

    def get_export(self, request: Request) -> Response:
        self.authenticate(request)
        export_id = request.params["export_id"]
        if not ecma_pattern(EXPORT_ID).search(export_id):
            raise HttpError(400, "invalid_parameter", "export_id: malformed")
        export = self.exports.get(export_id)
        if export is None:
            raise HttpError(404, "not_found", "no such export")
        self.polls[export_id] += 1
        if export["status"] in ("queued", "running"):
            if export["project_key"] not in self.projects:
                export.update(status="failed", finished=int(self.clock()))
                export["error"] = {"code": "project_not_found", "message": "no such project"}
                if self.on("export-failed-no-message"):
                    del export["error"]["message"]
            elif self.polls[export_id] == 1:
                export["status"] = "running"
            else:
                self.finish(export)
        return json_response(200, export)

    def finish(self, export: dict[str, Any]) -> None:
        export.update(status="succeeded", finished=int(self.clock()))
        export["download_url"] = (
            f"https://files.tracker.example.com/{export['id']}.{export['format']}"
        )

    # -- steps of a request ------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        challenge = {"WWW-Authenticate": 'Basic realm="tracker"'}
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise HttpError(401, "unauthorized", "basic credentials required", challenge)
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HttpError(401, "unauthorized", "malformed credentials", challenge) from None
        known = hmac.compare_digest(user.encode(), USER.encode())
        if not self.on("any-password"):  # the password is checked only at sign-in
            known = known and hmac.compare_digest(password.encode(), PASSWORD.encode())
        if not known:
            status = 403 if self.on("auth-403") else 401
            raise HttpError(status, "invalid_credentials", "unknown user or password", challenge)

    def project(self, request: Request) -> dict[int, dict[str, Any]]:
        key = request.params["project_key"]
        if not ecma_pattern(PROJECT).search(key):
            raise HttpError(400, "invalid_parameter", "project_key: malformed")
        if key not in self.projects:
            raise HttpError(404, "not_found", "no such project")
        return self.projects[key]

    def issue(self, request: Request, validate_only: bool = False) -> dict[str, Any]:
        text = request.params["issue_number"]
        if not re.fullmatch(r"[0-9]+", text) or _number(text) < 1:
            raise HttpError(400, "invalid_parameter", "issue_number: not a positive integer")
        key = request.params["project_key"]
        if not ecma_pattern(PROJECT).search(key):
            raise HttpError(400, "invalid_parameter", "project_key: malformed")
        if validate_only:
            return {}
        issue = self.projects.get(key, {}).get(_number(text))
        if issue is None:
            raise HttpError(404, "not_found", "no such issue")
        return issue

    def integer(self, request: Request, name: str, default: int, low: int, high: int | None) -> int:
        text = request.arg(name)
        if text is None:
            return default
        if not re.fullmatch(r"[0-9]+", text):
            raise HttpError(400, "invalid_parameter", f"{name}: not an integer")
        value = _number(text)
        if value < low or (high is not None and value > high):
            raise HttpError(400, "invalid_parameter", f"{name}: out of range")
        return value

    def invalid_status(self) -> int:
        return 422 if self.on("errors-422") else 400

    def validate(self, schema: str, body: Any) -> None:
        errors = self.doc.errors(f"/components/schemas/{schema}", body)
        if errors:
            error = errors[0]
            where = "/".join(map(str, error.absolute_path)) or "body"
            message = f"{where}: {error.message[:200]}"
            raise HttpError(self.invalid_status(), "invalid_body", message)

    # -- answers -----------------------------------------------------------------------------
    def now(self) -> str:
        moment = datetime.datetime.fromtimestamp(self.clock(), datetime.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_issue(self, project: str, fields: dict[str, Any]) -> dict[str, Any]:
        issues = self.projects[project]
        number = max(issues, default=0) + 1
        now = self.now()
        default = 0 if self.on("priority-zero") else 3
        issue = {
            "number": number,
            "project_key": project,
            "title": fields["title"],
            "description": fields.get("description"),
            "state": "open",
            "priority": fields.get("priority", default),
            "assignee": fields.get("assignee"),
            "due_on": fields.get("due_on"),
            "labels": [],
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
        }
        issues[number] = issue
        return issue

    def render(self, issue: dict[str, Any]) -> dict[str, Any]:
        rendered = dict(issue)
        if self.on("priority-string"):
            rendered["priority"] = str(rendered["priority"])
        if self.on("closed-at-missing") and rendered["closed_at"] is None:
            del rendered["closed_at"]
        if self.on("labels-null") and not rendered["labels"]:
            rendered["labels"] = None
        if self.on("labels-omitted") and not rendered["labels"]:
            del rendered["labels"]
        if self.on("created-at-no-offset"):
            rendered["created_at"] = rendered["created_at"].rstrip("Z")
        if self.on("extra-fields"):
            rendered.update(
                url=f"https://tracker.example.com/{issue['project_key']}/{issue['number']}",
                comments=0,
                watchers=["mara"],
            )
        return rendered
