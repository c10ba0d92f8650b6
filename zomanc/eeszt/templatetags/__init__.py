"""Template tags of the EESZT pages and the header."""
