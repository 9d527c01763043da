"""Schemathesis hooks for Byline: how to send NDJSON (one JSON value per line) and raw XML."""
import datetime
import json
import re
import uuid

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode("utf-8")


@schemathesis.serializer("application/xml", "application/atom+xml")
def raw_xml(ctx, value):
    """An export is sent as it is: the schema says only that it is text."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


USER_OPERATIONS = {"createUser", "updateUser"}


@schemathesis.hook
def filter_case(ctx, case):
    """Skips the cases no schema can judge.

    A cursor is opaque: only a value a list gave out in `meta.next_cursor` is one (any other is a
    400, which tests/api checks), so cases that carry a generated cursor are skipped.

    An admin's password must also be strong (12 characters and more, not one character repeated:
    `Password::check_admin_strength`), a rule that depends on the role: passwords long enough for
    the schema but too weak for an admin are skipped.
    """
    if isinstance(case.query, dict) and "cursor" in case.query:
        return False
    if ctx.operation.definition.raw.get("operationId") in USER_OPERATIONS:
        password = case.body.get("password") if isinstance(case.body, dict) else None
        if isinstance(password, str) and len(password) >= 8:
            return len(password) >= 12 and len(set(password.lower())) > 1
    return True


VALID_IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def map_case(ctx, case):
    """A valid `Idempotency-Key` becomes a fresh one, as a client makes it per request: the
    generator reuses its example, and a key sent again with another body is refused (422),
    as it must be. Invalid keys are left alone, to be refused."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and VALID_IDEMPOTENCY_KEY.fullmatch(key):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    _state_dependent(ctx, case)
    return case


UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def _state_dependent(ctx, case):
    """A reply names its parent comment, which a random id never is: it is refused for the row
    it names (422), not for its shape. A valid id becomes none (a top-level comment); an
    invalid one is left alone, to be refused. And "scheduled" needs a future time."""
    operation = ctx.operation.definition.raw.get("operationId")
    body = case.body
    if not isinstance(body, dict):
        return
    if operation == "createComment":
        parent = body.get("parent_id")
        if isinstance(parent, str) and UUID.fullmatch(parent):
            body["parent_id"] = ""
    if operation in ("createPost", "updatePost") and body.get("status") == "scheduled":
        # "Scheduled" needs a future time, which no schema can state: a past one moves ahead.
        at = body.get("published_at")
        try:
            when = datetime.datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        if when is not None and when.tzinfo is not None and when < datetime.datetime.now(datetime.timezone.utc):
            body["published_at"] = (
                datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
            ).isoformat()
