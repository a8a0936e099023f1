"""How people and programs drive the processor: the command line, HTTP, drop folder, replay, demo.

May import: everything below it (processing, bindings, ledger, store, domain).
"""
