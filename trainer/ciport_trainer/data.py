"""Reading chat-format JSONL: one {"messages": [{"role", "content"}, ...]} object per line."""

from __future__ import annotations

import json

from .errors import DataError

ROLES = ("system", "user", "assistant")


def read_chat_jsonl(path: str, *, field: str, need_assistant: bool = True,
                    keep_id: bool = False) -> list[dict]:
    """Records of PATH with only their messages kept; errors name the file and line."""
    try:
        fh = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: {field} file not found", field=field, path=path) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read {field} file: {exc.strerror}", field=field, path=path) from None
    records: list[dict] = []
    with fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: invalid JSON: {exc.msg}", field=field, path=path) from None
            record = {"messages": _messages(obj, where, field, path, need_assistant)}
            if keep_id and isinstance(obj.get("id"), (str, int)):
                record["id"] = obj["id"]
            records.append(record)
    if not records:
        raise DataError(f"{path}: {field} file has no records", field=field, path=path)
    return records


def _messages(obj: object, where: str, field: str, path: str, need_assistant: bool) -> list[dict]:
    def fail(msg: str) -> DataError:
        return DataError(f"{where}: {msg}", field=field, path=path)

    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        raise fail("expected an object with a non-empty \"messages\" array")
    out = []
    for i, msg in enumerate(obj["messages"]):
        if not isinstance(msg, dict):
            raise fail(f"messages[{i}] is not an object")
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            raise fail(f"messages[{i}].role must be one of {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise fail(f"messages[{i}].content must be a string")
        out.append({"role": role, "content": content})
    if need_assistant and not any(m["role"] == "assistant" for m in out):
        raise fail("no assistant message to learn from")
    return out
