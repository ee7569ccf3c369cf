"""What students run: the self-check and `make submit`."""
