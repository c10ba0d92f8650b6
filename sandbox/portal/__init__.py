"""The "Ágazati portál": the sandbox's small Hungarian web UI for the setup guide's steps
that happen outside the practice system (login, institution choice, SSL certificate, card
activation, mobile token, VMátrix), the patient side, test data and the operator page."""
