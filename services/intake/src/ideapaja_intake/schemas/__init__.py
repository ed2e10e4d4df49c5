"""Request and response models of the intake API."""
