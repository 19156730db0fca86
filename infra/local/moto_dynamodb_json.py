"""Make moto's DynamoDB responses cost what writing their JSON costs.

moto 5.2 serializes every response by walking botocore's shape model: for each attribute value of each item
returned it visits all ten members of the AttributeValue structure (S, N, B, SS, NS, BS, M, L, NULL, BOOL)
and looks each one up on the `DynamoType` through its alias-provider attribute picker. With 10,000 threads
in the local stack that walk was most of an inbox view's time: 1.35 s of 1.56 s for 12 Queries of thread
items (`python /tmp/prof/prof_inbox2.py 3000 departments`, cProfile), where DynamoDB's own answer costs
milliseconds, so the local stack could not show whether the inbox is fast.

This patch writes an AttributeValue from what moto hands over (a one-key dict, or a `DynamoType`)
directly: {"S": ...}, {"N": ...}, {"BOOL": ...}, {"NULL": ...}, {"SS"/"NS": [...]}, {"M": {...}} and
{"L": [...]}, nested as deep as they go. Anything else (binary values, whose base64 moto's walk does, or a
value of a form this does not know) goes the original way.
tests/unit/test_moto_dynamodb_json.py checks that every operation's response is byte-for-byte what unpatched
moto writes. Installed once per process by the local stack, before moto serves a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_installed = False
ORIGINAL: dict[str, Callable[..., None]] = {}  # what install() replaced (tests compare against it)
_PLAIN = ("S", "N")
_FLAGS = ("BOOL", "NULL")
_SETS = ("SS", "NS")


def attribute_json(value: Any) -> dict[str, Any] | None:
    """The wire form of one DynamoDB attribute value, given as moto hands it to the serializer (a one-key
    dict such as {"S": "x"}, whose map and list members may be dicts or `DynamoType`s, or a `DynamoType`),
    or None when the original walk must write it."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if type(value) is DynamoType:
        kind, inner = value.type, value.value
    elif type(value) is dict and len(value) == 1:
        ((kind, inner),) = value.items()
    else:
        return None
    if kind in _PLAIN:
        return {kind: inner} if type(inner) is str else None
    if kind in _FLAGS:
        return {kind: inner} if type(inner) is bool else None
    if kind in _SETS:
        return {kind: list(inner)} if type(inner) is list and all(type(v) is str for v in inner) else None
    if kind == "M" and type(inner) is dict:
        members = {}
        for name, member in inner.items():
            written = attribute_json(member)
            if written is None:
                return None
            members[name] = written
        return {"M": members}
    if kind == "L" and type(inner) is list:
        elements = []
        for element in inner:
            written = attribute_json(element)
            if written is None:
                return None
            elements.append(written)
        return {"L": elements}
    return None  # B, BS (moto's walk base64-encodes them), or a shape this does not know


def install() -> None:
    """Patch moto's JSON response serializer in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.core.serialize import BaseJSONSerializer

        original: Callable[..., None] = BaseJSONSerializer._serialize_type_structure
        ORIGINAL["_serialize_type_structure"] = original

        def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
            if shape.name == "AttributeValue" and key:
                written = attribute_json(value)
                if written is not None:
                    self._default_serialize(serialized, written, shape, key)
                    return
            original(self, serialized, value, shape, key)

        BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
        _installed = True
