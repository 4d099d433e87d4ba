"""附件2/附件3 ledgers: reading, layout, values, summary text, geometry, rows, import, writing, permits."""
