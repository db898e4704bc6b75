"""`guance-billing completion SHELL`: print the shell completion script."""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli.cli.toolkit.options import JsonFlag

app = typer.Typer()


@app.command("completion")
def completion(
    shell: Annotated[
        str,
        typer.Argument(help="The shell: bash, zsh or fish.", metavar="SHELL"),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Print the completion script for SHELL on stdout.

    Completes commands, options and live values (account usernames, cloud
    account ids, workspace ids, open request ids) from the store or server the
    line selects. `guance-billing --install-completion` installs it for $SHELL.

    \b
    Example:
      eval "$(guance-billing completion bash)"       # bash, in ~/.bashrc
      eval "$(guance-billing completion zsh)"        # zsh, after compinit
      guance-billing completion fish | source        # fish
    """
    from guance_billing_cli.cli.completion import engine as source
    from guance_billing_cli.errors import InvalidInput

    if shell not in source.SHELLS:
        raise InvalidInput("not_one_of", field="SHELL", choices=list(source.SHELLS))
    if as_json:  # {"shell": ..., "script": ...}: for tools that install it themselves
        from guance_billing_cli.cli.toolkit import render

        render.write_json({"shell": shell, "script": source.script(shell)})
        return
    typer.echo(source.script(shell), nl=False)
