"""Tests of scenarios/history."""
