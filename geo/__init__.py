"""Pure spatial logic for casemap: CRS, boundaries, checks, map building, snapshots."""
