"""Ideapaja reward service: incentive rules, points ledger and granted rewards for HR."""
