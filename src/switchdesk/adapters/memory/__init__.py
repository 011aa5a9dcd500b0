"""In-memory fakes of the ports, for unit tests. They pass the same contract tests as SQL."""
