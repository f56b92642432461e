"""Browser tests: the flows a person walks through, in headless Chromium."""
