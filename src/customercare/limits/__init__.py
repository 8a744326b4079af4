"""Rate limits and plan quotas."""
