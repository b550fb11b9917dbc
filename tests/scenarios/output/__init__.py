"""Tests of scenarios/output."""
