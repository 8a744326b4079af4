"""Grounded answers: retrieve evidence, decide whether it supports an answer, generate, cite."""
