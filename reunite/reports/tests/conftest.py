# The headless Chromium fixture of the browser tests, for this app's browser test.
from reunite.browser_tests.conftest import browser  # noqa: F401
