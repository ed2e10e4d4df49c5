"""Pure rules of the privacy service: retention dates, erasure identities, access reports."""
