"""Tests of scenarios/verdict."""
