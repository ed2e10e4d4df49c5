"""The benchmark suite of issue 13 (not a test): ``python -m bench --help``."""
