"""Shell completion for bash and zsh, generated from the verbs' :class:`Arg` data:
``source <(onevm completion bash)`` (zsh: ``source <(onevm completion zsh)``).

Verbs complete after the command, a verb's options after ``-``, an option's
choices after the option; anything else falls back to file names.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from collections.abc import Iterable

    from oneedge.cli.command import Tool

SHELLS = ("bash", "zsh")


def _words(items: Iterable[object]) -> str:
    return " ".join(str(i) for i in items)


def bash(tool: Tool) -> str:
    """A bash function ``_<prog>`` and the ``complete`` line registering it."""
    from oneedge.cli.command import CLIENT_ARGS

    func = "_" + tool.prog
    verbs, choices = [], []
    for name, verb in tool.verbs.items():
        args = (*verb.args, *CLIENT_ARGS)
        flags = [f for a in args if a.option for f in a.flags] + ["--help"]
        verbs.append(f"        {'|'.join((name, *verb.aliases))}) opts=\"{_words(flags)}\" ;;")
        for arg in args:
            if arg.option and arg.kwargs.get("choices"):
                choices.append(f"        {'|'.join(arg.flags)}) COMPREPLY=($(compgen -W \"{_words(arg.kwargs['choices'])}\""
                               " -- \"$cur\")); return ;;")
    return "\n".join([
        f"{func}() {{",
        "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts",
        "    if [ \"$COMP_CWORD\" -eq 1 ]; then",
        f"        COMPREPLY=($(compgen -W \"{_words([*tool.verbs, '--help', '--version'])}\" -- \"$cur\"))",
        "        return",
        "    fi",
        *(["    case \"$prev\" in", *sorted(set(choices)), "    esac"] if choices else []),
        "    case \"${COMP_WORDS[1]}\" in",
        *verbs,
        "        *) return ;;",
        "    esac",
        "    if [[ $cur == -* ]]; then",
        "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))",
        "    fi",
        "}",
        f"complete -o default -F {func} {tool.prog}",
        "",
    ])


def zsh(tool: Tool) -> str:
    """The bash completion, through zsh's ``bashcompinit``."""
    return "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + bash(tool)


def script(tool: Tool, shell: str) -> str:
    return bash(tool) if shell == "bash" else zsh(tool)
