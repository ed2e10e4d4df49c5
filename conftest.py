pytest_plugins = ["ideapaja_runtime.testing"]
