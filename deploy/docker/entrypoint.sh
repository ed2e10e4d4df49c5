#!/bin/sh
# Container entrypoint of every Ideapaja service image.
#   serve (default)  python -m ideapaja_runtime.serve "$IDEAPAJA_SERVICE"
#   anything else    run as given, e.g. `ideapaja dlq list`
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
    service="${IDEAPAJA_SERVICE:?this image was built without --build-arg SERVICE}"
    prefix="IDEAPAJA_$(printf '%s' "$service" | tr 'a-z-' 'A-Z_')"
    # In a container the HTTP API must listen on every interface, unless configured otherwise.
    host_var="${prefix}_HTTP_HOST"
    if [ -z "$(printenv "$host_var" || true)" ]; then
        export "$host_var=0.0.0.0"
    fi
    exec python -m ideapaja_runtime.serve "$service"
fi

exec "$@"
