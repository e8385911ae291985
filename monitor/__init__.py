"""monitor: a media-monitoring daemon."""

from __future__ import annotations

__version__ = "0.1.0"
HOMEPAGE = "https://github.com/monitor-daemon/monitor"
USER_AGENT = f"monitor/{__version__} (media-monitoring daemon; +{HOMEPAGE})"
