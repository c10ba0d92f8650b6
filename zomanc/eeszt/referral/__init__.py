"""e-Beutaló (S9): the patient's e-referrals, listed and used on a visit."""
