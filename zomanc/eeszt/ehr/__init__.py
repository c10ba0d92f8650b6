"""EHR documents (EESZT eKÁT / documents): list, read, send, and breakglass access."""
