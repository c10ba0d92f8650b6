"""Read-access decisions (contract §6): one function, ``access_decide``, for every read."""
