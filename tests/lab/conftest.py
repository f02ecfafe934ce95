from __future__ import annotations

import pytest

from .netlab import Lab, lab_unavailable


@pytest.fixture
def lab(request):
    """lab(n): n network namespaces on a bridge, torn down after the test."""
    why = lab_unavailable()
    if why is not None:
        pytest.skip(why)
    labs: list[Lab] = []

    def make(n: int) -> Lab:
        made = Lab(n)
        labs.append(made)
        return made.up()

    yield make
    for made in labs:
        made.down()
