"""What the bot says when it does not answer from the knowledge base."""

NO_ANSWER = (
    "I'm sorry, I couldn't find an answer to that in our help center. "
    "Would you like me to connect you with a member of our support team?"
)
HANDOFF = (
    "I'm connecting you with a member of our support team. "
    "Someone will pick up this conversation as soon as possible."
)
