"""The interactive shell (`guance-billing shell`): the command, the session that runs many
commands in one process, the terminal's line editor and the secrets kept out of history."""
