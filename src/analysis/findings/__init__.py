"""What the study reports: descriptives, root causes, the evaluated cases, the countermeasures."""
