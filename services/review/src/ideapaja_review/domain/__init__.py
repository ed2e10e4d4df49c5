"""Review rules with no I/O: the case lifecycle, routing to reviewers and who may act."""
