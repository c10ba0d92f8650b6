"""eKAT (eseménykatalógus): care events reported by institutions (contract §4)."""
