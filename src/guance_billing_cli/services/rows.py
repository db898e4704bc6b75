"""A stored row as one of the wire's models."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def view(model: type[M], row: Any, **values: Any) -> M:
    """``model`` of ``row`` (an ORM object or a Core row): each field is the row's
    attribute of the same name, unless ``values`` gives it."""
    return model(**{name: values[name] if name in values else getattr(row, name)
                    for name in model.model_fields})  # fmt: skip


def pick(row: Any, *names: str, **renamed: str) -> dict[str, Any]:
    """The row's attributes ``names`` by name, and ``key=attribute`` under another name
    (an audit snapshot: its keys are stored sorted)."""
    picked = {name: getattr(row, name) for name in names}
    return picked | {key: getattr(row, attribute) for key, attribute in renamed.items()}
