"""The EESZT reporting queue: items written in the caller's transaction, delivered by tasks."""
