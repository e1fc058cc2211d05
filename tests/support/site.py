"""The sample site the sample-site tests share: its size, seed and faults."""

from __future__ import annotations

from sample_site import Faults

SITE_ALBUMS = 800
SITE_SEED = 11
SITE_FAULTS = Faults.typical().with_overrides(slow_seconds=0.3, server_errors=0.05, ajax_failures=0.1)
