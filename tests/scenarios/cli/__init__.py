"""Tests of scenarios/cli."""
