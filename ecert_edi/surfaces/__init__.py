"""How people and programs drive the processor: the command line, drop folder, replay and demo.

May import: everything below it (processing, bindings, ledger, store, domain).
"""
