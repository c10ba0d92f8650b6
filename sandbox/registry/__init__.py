"""Who exists on the national side: institutions, org units, the public doctor register,
portal users, test patients and VMátrix grants."""
