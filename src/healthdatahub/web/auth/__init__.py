"""Authentication of the portal: passwords, TOTP, sessions, CSRF, API tokens, accounts, OIDC."""
