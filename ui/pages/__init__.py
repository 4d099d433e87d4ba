"""One module per page of the app: each draws its page with render()."""
