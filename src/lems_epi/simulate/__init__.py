"""Simulation of synthetic counts, cohorts and follow-up from a scenario."""
