"""The audit noun's pure core: the hash chain's proofs, offline verification of an export, and the
files an export or a checkpoint is written to. No store, no services: the services, the server's
checkpoint job and the CLI all build on it."""
