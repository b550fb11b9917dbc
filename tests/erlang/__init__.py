"""Tests of erlang."""
