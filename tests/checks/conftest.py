"""Fixtures for the student checks."""

import pytest
from checkkit import make_case


@pytest.fixture
def case():
    return make_case()
