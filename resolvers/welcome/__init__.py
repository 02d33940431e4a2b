"""The welcome e-mail: one message through SES for each new profile, never two."""
