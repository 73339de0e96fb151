"""The build: stage declarations and the notebook stage helper, writers, style, runner, site, paper checks."""
