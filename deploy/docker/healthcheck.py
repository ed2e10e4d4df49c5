"""Container health probe (slim images have no curl): ``python healthcheck.py [/healthz|/readyz]``.

Asks this container's service over loopback and exits 0 on a 2xx answer, 1 otherwise. The port is
``IDEAPAJA_<SERVICE>_HTTP_PORT``; when that is not set, the service's own default is looked up.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4.0


def service_port(service: str) -> int:
    prefix = "IDEAPAJA_" + service.upper().replace("-", "_") + "_"
    configured = os.environ.get(prefix + "HTTP_PORT")
    if configured:
        return int(configured)
    # Not configured: the port the service itself would choose (imports the service, slower).
    from ideapaja_runtime.service import discover_services

    return int(discover_services()[service].load_settings().http_port)


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    service = os.environ.get("IDEAPAJA_SERVICE", "")
    if not service:
        print("IDEAPAJA_SERVICE is not set", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{service_port(service)}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
