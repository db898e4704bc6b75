"""Tab completion and the command tree it walks: the engine (what to offer at the cursor),
the `completion` command and the shell scripts it installs, the parsed tree, and argv's
global-options hoist that shares it. Values come from ``client/suggest.py``."""
