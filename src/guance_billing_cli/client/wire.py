"""JSON on the wire, shared by ``HttpClient`` and the server.

Unlike ``model_dump(mode="json")``, ``dump`` reveals ``SecretStr`` values: the
transport must carry a password or a freshly created token; rendering for people
never goes through here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, SecretStr, TypeAdapter
from pydantic_core import to_jsonable_python


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):  # by wire name: `from`, not the attribute `from_`
        return {
            field.serialization_alias or field.alias or name: _reveal(getattr(value, name))
            for name, field in type(value).model_fields.items()
        }
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_reveal(v) for v in value]
    return value


def has_secret(value: Any) -> bool:
    """Whether ``value`` holds a ``SecretStr`` anywhere (a password, a code)."""
    if isinstance(value, SecretStr):
        return True
    if isinstance(value, BaseModel):
        return any(has_secret(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, dict):
        return any(has_secret(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_secret(v) for v in value)
    return False


def dump(value: Any) -> Any:
    """Plain JSON-able data, secrets in clear."""
    return to_jsonable_python(_reveal(value))


@cache
def adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def load(annotation: Any, data: Any) -> Any:
    return adapter(annotation).validate_python(data)
