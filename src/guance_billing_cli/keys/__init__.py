"""The keys noun: the installation's secret key (derive), the operating system's keyring
(reached with a time limit, its verdict remembered) and the API tokens stored for a server."""
