"""Ideapaja privacy: erasure of people (on request or after retention) and access reports."""
