"""Measuring retrieval: BEIR datasets, IR metrics, TREC run files, benchmarks."""
