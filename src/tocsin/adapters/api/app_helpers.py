"""Small helpers shared by the route modules."""
from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from .errors import ApiError


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_body", f"request body is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                                            f"column {exc.colno}") from None
