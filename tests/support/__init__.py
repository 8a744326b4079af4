"""Helpers shared by the test suite: factories, data sets and real servers on loopback."""
