"""What every command is built with: the error boundary and lazy groups, the state and its
client, options, prompts (all questionary calls), render (tables, json, csv), words, batch
files, the two-code change flow and doctor's checks."""
