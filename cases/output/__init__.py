"""Briefing outputs: fonts, case-map styling, snapshots, check sheets, bulletins, exports."""
