import pytest

from programs.selectors import forget_compiled


@pytest.fixture(autouse=True)
def _fresh_compiled_programs():
    forget_compiled()
    yield
    forget_compiled()
