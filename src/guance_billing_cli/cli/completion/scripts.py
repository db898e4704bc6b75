"""The shell completion scripts and their installation (``--install-completion``).

The scripts only call ``guance-billing __complete``; what they offer is worked out
in ``cli/completion/engine.py``. Nothing here walks the command tree.
"""

from __future__ import annotations

import os
from pathlib import Path

SHELLS = ("bash", "zsh", "fish")
PROG = "guance-billing"

_BASH = r"""# bash completion for {prog}                      -*- shell-script -*-
# Load with: eval "$({prog} completion bash)"   (or: {prog} --install-completion)
_{func}_complete() {{
    local IFS=$'\n'
    COMPREPLY=($({prog} __complete --shell bash --line "${{COMP_LINE:0:COMP_POINT}}" 2>/dev/null))
}}
complete -o default -o nosort -F _{func}_complete {prog} 2>/dev/null \
    || complete -o default -F _{func}_complete {prog}
"""

_ZSH = r"""#compdef {prog}
# zsh completion for {prog}. Load with: eval "$({prog} completion zsh)" after compinit
# (or: {prog} --install-completion).
_{func}() {{
    local -a items
    local IFS=$'\n'
    items=($({prog} __complete --shell zsh -- \
        "${{(@)words[2,CURRENT-1]}}" "${{words[CURRENT]}}" 2>/dev/null))
    if (( ${{#items}} )); then
        _describe -t values '{prog}' items
    else
        _files
    fi
}}
if [[ "${{funcstack[1]}}" = "_{func}" ]]; then
    _{func} "$@"
else
    compdef _{func} {prog}
fi
"""

_FISH = r"""# fish completion for {prog}. Load with: {prog} completion fish | source
# (or: {prog} --install-completion).
function __{func}_complete
    set -l tokens (commandline -opc)
    {prog} __complete --shell fish -- $tokens[2..-1] (commandline -ct) 2>/dev/null
end
complete -c {prog} -f -a '(__{func}_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str, prog: str = PROG) -> str:
    """The completion script ``guance-billing completion SHELL`` prints."""
    if shell not in _SCRIPTS:
        raise ValueError(shell)
    return _SCRIPTS[shell].format(prog=prog, func=prog.replace("-", "_"))


def detect_shell() -> str | None:
    """The user's shell from ``$SHELL`` (bash, zsh or fish), else None."""
    name = Path(os.environ.get("SHELL", "")).name
    return name if name in SHELLS else None


def install(shell: str, prog: str = PROG, home: Path | None = None) -> list[Path]:
    """Write the script where ``shell`` loads it; return the files written or changed.

    bash: ``~/.local/share/bash-completion/completions/PROG`` (loaded on demand by
    bash-completion) plus one ``source`` line in ``~/.bashrc`` for bash without it;
    zsh: ``~/.zfunc/_PROG`` plus an ``fpath`` line in ``~/.zshrc``; fish:
    ``~/.config/fish/completions/PROG.fish``. Running it again changes nothing.
    """
    home = home or Path.home()
    text = script(shell, prog)
    written: list[Path] = []
    if shell == "bash":
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        target = data / "bash-completion" / "completions" / prog
        rc, line = home / ".bashrc", f"[ -f {target} ] && . {target}"
    elif shell == "zsh":
        target = home / ".zfunc" / f"_{prog}"
        rc = home / ".zshrc"
        line = "fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit"
    else:
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        target = config / "fish" / "completions" / f"{prog}.fish"
        rc, line = None, ""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if rc is not None:
        existing = rc.read_text(encoding="utf-8") if rc.exists() else ""
        if line not in existing:
            separator = "\n" if existing and not existing.endswith("\n") else ""
            with rc.open("a", encoding="utf-8") as fh:
                fh.write(f"{separator}# {prog} completion\n{line}\n")
            written.append(rc)
    return written
