"""schemathesis against `/openapi.json`: no 500, and every answer as the schema says it is."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from http_served import served
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

# an X12 body is text as far as the schema goes
schemathesis.serializer.alias("application/edi-x12", "text/plain")

EXAMPLES = 30  # cases an operation; the whole run stays within seconds
AS = ("operator", "CG:AU", "FL:B2X")

# Whether a request is good is the rules' to say, not the schema's: a value it admits may be no
# IOR, or a query a filer may not make (spec 6.3: a 400 problem); and any bytes posted are a
# transmission, answered (rejected, if need be) as `ecert process` answers them.
JUDGED_BY_THE_RULES = [positive_data_acceptance, negative_data_rejection]

# the schema is loaded when the module is collected, so its ledger is made then
FOLDER = Path(tempfile.mkdtemp(prefix="ecert-schema-"))
SITE = served(FOLDER)
schema = schemathesis.openapi.from_asgi("/openapi.json", SITE.app())


@pytest.fixture(scope="module", autouse=True)
def _removed():
    yield
    SITE.server.keys.close()
    shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_by_its_schema(case):
    for who in AS:  # an operator, a government and a filer ask the same
        case.call_and_validate(headers=SITE.auth(who), excluded_checks=JUDGED_BY_THE_RULES)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_without_a_key_nothing_is_answered_but_a_problem(case):
    response = case.call()
    assert response.status_code in (400, 401, 405, 415), response.text  # 405: OPTIONS, TRACE
    assert response.headers["content-type"] == ["application/problem+json"]
