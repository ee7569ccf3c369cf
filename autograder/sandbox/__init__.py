"""Where untrusted code runs: a worker process in its own folder, its limits, its protocol."""
