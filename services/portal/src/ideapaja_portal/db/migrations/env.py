from ideapaja_runtime.db import run_migrations_in_env

run_migrations_in_env()
