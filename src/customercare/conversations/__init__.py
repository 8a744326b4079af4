"""Conversations, their messages, feedback on answers and handoff tickets."""
