"""CustomerCareGPT."""
