"""`python -m ecert_edi.bindings.abi.jsonform [--check]`: write the form's JSON Schema,
docs/json.schema.json and the packaged copy, from the layouts (or check that both are current)."""

import sys

from ecert_edi.bindings.abi.jsonform.schema import main

sys.exit(main())
