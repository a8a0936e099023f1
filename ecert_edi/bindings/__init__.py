"""Wire formats: reading a transmission into domain transactions and writing its response.

May import: `ecert_edi.domain`. Never a store, the ledger service, processing or a surface.
"""
