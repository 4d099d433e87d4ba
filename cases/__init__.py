"""The casemap domain: case model, ledgers, storage, statistics and the CLI."""
