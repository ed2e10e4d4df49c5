"""Every event of the Ideapaja lifecycle, grouped by aggregate."""
