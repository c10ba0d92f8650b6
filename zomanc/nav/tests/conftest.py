from zomanc.billing.tests.fixtures import billing, patient  # noqa: F401 - fixtures
from zomanc.nav.tests.fixtures import nav_clean, nav_sandbox  # noqa: F401 - fixtures
