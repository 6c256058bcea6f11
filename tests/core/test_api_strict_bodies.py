"""docs/api.md, request bodies: integers and booleans are strict (``"30"`` is not an integer, ``"false"`` not a
boolean). A body field declared as a plain ``int`` or ``bool`` lets pydantic coerce text; this reads every request
body the API declares and names such fields, so a new body cannot forget it."""
from __future__ import annotations

import types
import typing

from pydantic.types import Strict

from inventory.api.schemas import StrictBody
from tests.helpers import assert_error


def _bodies(cls: type) -> typing.Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _bodies(sub)


def _loose(annotation: object, metadata: list[object]) -> bool:
    """Whether ``annotation`` takes an int or bool that pydantic would coerce from text."""
    if any(isinstance(item, Strict) for item in metadata):
        return False
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _loose(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        return any(_loose(arg, metadata) for arg in args if arg is not type(None))
    if origin in (list, tuple, set, frozenset):
        return any(_loose(arg, []) for arg in args if arg is not Ellipsis)
    return annotation in (bool, int)


def test_every_body_field_of_int_or_bool_is_strict(app):
    bodies = set(_bodies(StrictBody))
    assert len(bodies) > 50, "the API's modules are imported with the application"
    loose = sorted(f"{body.__module__}.{body.__name__}.{name}" for body in bodies
                   for name, field in body.model_fields.items() if _loose(field.annotation, field.metadata))
    assert loose == []


def test_a_boolean_as_text_is_422(api):
    response = api("blood").post("/blood/collection-points", json={
        "name": "测试点", "address": "测试路 1 号", "district": "GUANGYANG", "capacity": 10, "active": "true"})
    assert_error(response, 422, "validation_error")
    assert "active" in response.get_json()["error"]["fields"]
