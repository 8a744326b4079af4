"""People: sign-up, sign-in, tokens, email verification and password reset."""
