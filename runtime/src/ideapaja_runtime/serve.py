"""Run one service process: ``python -m ideapaja_runtime.serve <service-name>``.

Settings come from the environment (``IDEAPAJA_<SERVICE>_…``); SIGTERM/SIGINT shut it down
gracefully (in-flight handlers finish, committed events are published).
"""

from __future__ import annotations

import argparse

import uvicorn

from ideapaja_runtime.service import configure_and_create, load_service


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", help="the service's entry point name, e.g. intake")
    args = parser.parse_args(argv)
    try:
        spec = load_service(args.service)
    except LookupError as exc:
        parser.error(str(exc))
    app, settings = configure_and_create(spec)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
        # X-Forwarded-* are read by the app itself, from TRUSTED_PROXIES only (proxies.py).
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
