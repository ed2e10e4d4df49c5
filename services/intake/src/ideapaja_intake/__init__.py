"""Ideapaja intake: ideas as their authors submitted them, and their status as review decides."""
