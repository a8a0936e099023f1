"""The fixed-width, 80-column ABI format: layouts, line reading, records, structure, emitter, JSON.

May import: `ecert_edi.domain`. Never a store, the ledger service, processing or a surface.
"""
