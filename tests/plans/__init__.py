"""Tests of reserve plans (docs/plans.md)."""
