"""Your own data, uploaded through the Files panel's endpoint and loaded in a real kernel with
`datasets.load` / `datasets.describe` (kernel_runtime/owndata.py; the fast cases are in
tests/runtime/test_own_data_files.py)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient

from kernels import bus
from tests.support import uploaded_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOMES = b"area,city,rooms,price\n" + b"".join(
    f"{50 + 7 * i},{['Lyon', 'Paris', 'Nantes'][i % 3]},{1 + i % 5},{100 + 13 * i}\n".encode() for i in range(40)
)


@pytest.fixture
async def browser(client_factory):
    """(an HTTP client with a session cookie, the BusClient of that session's kernel)."""
    store = SessionStore()
    await database_sync_to_async(store.create)()
    http = AsyncClient()
    http.cookies["sessionid"] = store.session_key
    return http, await client_factory(owner=bus.owner_for(store.session_key))


async def test_an_uploaded_csv_loads_with_the_bundled_sets_contract_and_trains_a_model(browser):
    http, kernel = browser
    assert (await http.post("/files/", {"file": uploaded_file("homes.csv", HOMES)})).status_code == 201
    code = """
X_train, y_train, X_val, y_val = datasets.load("homes.csv", target="price", validation=0.25, seed=1)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(X_train, y_train, epochs=1, verbose=0)
(X_train.shape, X_train.dtype.name, y_train.dtype.name, X_val.shape)
"""
    run = await kernel.run(code)
    assert run.error is None, run.error
    assert run.results[6]["repr"] == "((30, 3), 'float32', 'float32', (10, 3))"


async def test_describe_shows_the_file_as_a_text_result(browser):
    http, kernel = browser
    await http.post("/files/", {"file": uploaded_file("homes.csv", HOMES)})
    value = (await kernel.run('datasets.describe("homes.csv", target="city")')).results[1]
    assert value["kind"] == "text" and value["type"] == "Description"
    assert value["repr"].startswith("homes.csv: 40 rows, 4 columns; target city (classification)")
    assert "target: 0 Lyon: 14, 1 Nantes: 13, 2 Paris: 13" in value["repr"]


async def test_a_bad_upload_is_refused_naming_its_line_and_column(browser):
    http, kernel = browser
    await http.post("/files/", {"file": uploaded_file("bad.csv", HOMES + b"60,Lyon,two,140\n")})
    run = await kernel.run('datasets.load("bad.csv", target="price")')
    assert run.error["ename"] == "DataFileError"
    assert run.error["evalue"].startswith("line 42, column 'rooms': 'two' is not a number")
