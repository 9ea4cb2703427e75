"""Domain logic: keyword-only functions taking a session. Authorisation lives here."""
