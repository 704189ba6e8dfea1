from __future__ import annotations

import pytest

from tests.nfc import generator as g


@pytest.fixture(scope="session")
def rsa_pki() -> g.Pki:
    return g.cached_pki("rsa")


@pytest.fixture(scope="session")
def rsa_chip(rsa_pki) -> g.Chip:
    return g.make_chip(rsa_pki)


@pytest.fixture(scope="session")
def ec_chip() -> g.Chip:
    pki = g.cached_pki("ecdsa_explicit")
    return g.make_chip(pki, g.ChipSpec(algo="ecdsa_explicit", aa="ec_explicit", image="jpeg2000"))


@pytest.fixture(scope="session")
def negatives() -> list[g.Fixture]:
    return g.negative_fixtures()
