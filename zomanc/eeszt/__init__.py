"""EESZT in the product: one Django app, split by EESZT service (docs/eeszt-module.md, Layout)."""
