"""Matplotlib cartography: map furniture, snapshot figures, sheet maps, page layout."""
