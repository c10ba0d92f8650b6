"""The sandbox IDP: challenge/card, token and mobile-token logins, signed SAML 2.0
assertions, logout, lockout."""
