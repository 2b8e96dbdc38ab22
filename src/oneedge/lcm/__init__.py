"""The VM lifecycle: the state table, the manager that runs driver steps and applies
their results, the dispatch of user actions, and crash recovery at start-up."""
