"""Pure notification rules: what to tell whom, in which words, and when to try again.

Nothing here does I/O; handlers and the sender bring the data in and carry the results out.
"""
