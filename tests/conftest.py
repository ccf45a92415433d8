"""Fixtures shared by every test package; app-specific ones live next to their tests."""
