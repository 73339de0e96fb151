"""The paper's tables and numbers, built from findings by pure functions; the number formats."""
