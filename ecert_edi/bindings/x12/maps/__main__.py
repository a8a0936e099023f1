"""Writes the map directory: `python -m ecert_edi.bindings.x12.maps`."""

from ecert_edi.bindings.x12.maps import write

write()
