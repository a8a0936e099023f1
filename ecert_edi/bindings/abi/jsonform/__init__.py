"""The JSON form of a transmission (docs/json.md): ABI text to a JSON document and back, and the
form's JSON Schema (docs/json.schema.json).

    writing.py   ABI -> JSON: to_json (in memory), write_json (as the file is read)
    reading.py   JSON -> ABI: to_abi, write_abi (in memory), write_abi_from (a stream of text)
    schema.py    the JSON Schema, made from the layouts, and the checks made with it
    physical.py  the "physical" object: how a file's lines were written, and writing them so
    events.py    JSON text as a stream of parser events, in passes
    common.py    the version, the errors, output in chunks
"""

from ecert_edi.bindings.abi.jsonform.common import (
    DIRECTIONS,
    FORMAT_VERSION,
    MAX_LINES,
    DocumentError,
    JSONTextError,
)
from ecert_edi.bindings.abi.jsonform.reading import record_text, to_abi, write_abi, write_abi_from
from ecert_edi.bindings.abi.jsonform.schema import SCHEMA_ID, document_schema
from ecert_edi.bindings.abi.jsonform.writing import (
    condition_json,
    json_value,
    physical_form,
    record_json,
    sniff_direction,
    to_json,
    write_json,
)

__all__ = [
    "DIRECTIONS",
    "FORMAT_VERSION",
    "MAX_LINES",
    "SCHEMA_ID",
    "DocumentError",
    "JSONTextError",
    "condition_json",
    "document_schema",
    "json_value",
    "physical_form",
    "record_json",
    "record_text",
    "sniff_direction",
    "to_abi",
    "to_json",
    "write_abi",
    "write_abi_from",
    "write_json",
]
