"""claims layer of linrnn (see the README: why the package is laid out by layer)."""
