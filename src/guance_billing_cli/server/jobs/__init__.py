"""The server's background jobs, started by `server run` in its process: the audit checkpoint
writer and the lock-countdown reminder timer."""
