import pytest

from tests.faces import generator as g


@pytest.fixture(scope="session")
def photo():
    return g.load_bytes


@pytest.fixture(scope="session")
def img():
    return g.load
