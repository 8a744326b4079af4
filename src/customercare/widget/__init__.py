"""The website widget's server side: per-workspace widget settings, the frame page and its
signed frame token, visitors (anonymous or verified), and the visitor-scoped chat API."""
