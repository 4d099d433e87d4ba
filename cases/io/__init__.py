"""Files in and out: geodata layers, check input files, exchange formats, pasted coordinates."""
