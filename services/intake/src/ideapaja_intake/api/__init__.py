"""The intake service's HTTP routes, one module per resource (``deps``: what they share)."""
