"""The eCERT domain: transactions, conditions, stored state, decisions and the pure rules.

May import: nothing of the project outside `ecert_edi.domain` (no binding, store or surface).
"""
