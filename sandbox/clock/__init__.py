"""The sandbox clock: real time plus an operator-set offset, used by every business time rule."""
