"""Live events: what happens in a conversation (an agent's reply, typing, a status change) and
in a workspace's inbox (a new handoff, a visitor's message), delivered to whoever watches."""
