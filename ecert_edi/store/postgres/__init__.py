"""The PostgreSQL store: the ledger on a server that workers on several hosts share.

`target.py` reads a `postgresql://` URL without psycopg; `store.py` (`PostgresStore`) and the
modules it uses need the `postgres` extra (`pip install 'ecert-edi[postgres]'`).
"""
