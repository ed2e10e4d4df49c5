"""The intake rules, free of I/O: submission input, pseudonyms, status projection, visibility."""
