"""The `ecert` command: a group whose subcommands load only when they are run."""

from __future__ import annotations

import gc
import importlib
import importlib.util

import click

# command name -> "module:attribute"; each command lives in its own module under ecert_edi.surfaces.cli
COMMANDS = {
    "validate": "ecert_edi.surfaces.cli.validate:validate",
    "translate": "ecert_edi.surfaces.cli.translate:translate",
    "process": "ecert_edi.surfaces.cli.process:process",
    "query": "ecert_edi.surfaces.cli.query:query",
    "check": "ecert_edi.surfaces.cli.check:check",
    "watch": "ecert_edi.surfaces.cli.watch:watch",
    "replay": "ecert_edi.surfaces.cli.replay:replay",
    "demo": "ecert_edi.surfaces.cli.demo:demo",
    "generate": "ecert_edi.surfaces.cli.generate:generate",
    "describe": "ecert_edi.surfaces.cli.describe:describe",
    "diff": "ecert_edi.surfaces.cli.diff:diff",
    "transmissions": "ecert_edi.surfaces.cli.transmissions:transmissions",
    "response": "ecert_edi.surfaces.cli.transmissions:response",
    "migrate": "ecert_edi.surfaces.cli.migrate:migrate",
    "serve": "ecert_edi.surfaces.cli.serve:serve",
    "keys": "ecert_edi.surfaces.cli.keys:keys",
}


# command name -> the first sentence of its help, for `ecert --help` without importing every
# command (tests/test_cli_help.py keeps it equal to each command's own help)
SUMMARIES = {
    "validate": "Check inbound transmissions without touching any database.",
    "translate": "Translate a transmission between fixed-width ABI text and JSON.",
    "process": "Process inbound transmissions in order; write DIR/<file name>.resp for each.",
    "query": (
        "Show certificates: allowance, quantity used, balance, status and, with --usage, history."
    ),
    "check": (
        "Check the database: SQLite's integrity check, then allowance − deductions + restorations"
        " = balance ≥ 0 for every certificate; list the transmissions in progress."
    ),
    "watch": "Process files dropped into DIR/inbox; responses go to DIR/outbox.",
    "replay": "Replay scenarios and compare their responses with expected/, byte for byte.",
    "demo": (
        "Play the eCERT 2.0 story: a certificate registered, entries deducting, an overuse "
        "rejected, a cancel restoring, a query answered, a wrong-IOR query refused."
    ),
    "generate": "Write a realistic, reproducible set of inbound transmissions into DIR.",
    "describe": "Show a transmission or response record by record: each field's name and value.",
    "diff": "Show where two transmissions or responses differ, field by field.",
    "transmissions": "List the transmissions received: sender, control number, time, status, counts.",
    "response": "Write the stored response of a transmission on standard output, as first written.",
    "migrate": "Copy a SQLite ledger into an empty PostgreSQL ledger, checking the copy.",
    "serve": "Serve the HTTP API and the web view over the ledger, until stopped (Ctrl-C).",
    "keys": "Manage the API keys of `ecert serve`: each speaks for one sender or an operator.",
}


def first_sentence(help_text: str) -> str:
    """The first sentence of a help text's first paragraph, its white space collapsed."""
    words = help_text.partition("\n\n")[0].split()
    for i, word in enumerate(words):
        if word.endswith(".") and (i == len(words) - 1 or not words[i + 1][0].islower()):
            return " ".join(words[: i + 1])
    return " ".join(words)


def summary(name: str, limit: int) -> str:
    """A command's first sentence, shortened to `limit` columns as click shortens help."""
    text = SUMMARIES[name]
    if len(text) <= limit:
        return text
    import textwrap

    return textwrap.shorten(text, max(limit, 3), placeholder="...", break_on_hyphens=False)


class LazyGroup(click.Group):
    """Loads a subcommand's module on first use, so `ecert validate` never imports the store,
    and `ecert --help` imports none of them."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = [n for n in self.list_commands(ctx) if n in SUMMARIES]
        if not names:
            return super().format_commands(ctx, formatter)
        limit = formatter.width - 6 - max(len(n) for n in names)
        with formatter.section("Commands"):
            formatter.write_dl([(n, summary(n, limit)) for n in names])

    def invoke(self, ctx: click.Context):
        """A command stopped by Ctrl-C ends with status 130 and says what to do, instead of
        click's "Aborted!" and status 1: what it wrote is whole or not there (files are written
        atomically, the database in transactions), so running it again is the way on."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            name = ctx.invoked_subcommand or "ecert"
            click.echo(f"\necert {name}: interrupted (Ctrl-C); nothing half-written is kept:"
                       " run the same command again to finish", err=True)
            ctx.exit(130)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def _available(self) -> dict[str, str]:
        out = {}
        for name, target in COMMANDS.items():
            module = target.split(":")[0]
            if importlib.util.find_spec(module) is not None:
                out[name] = target
        return out

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self._available().get(name)
        if target is None:
            return super().get_command(ctx, name)
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        _freeze_once()
        return command


_frozen: list[bool] = []


def _freeze_once() -> None:
    """What the first command's imports made (the grammar, the layouts' decoders, the libraries)
    lives as long as the process: kept out of the collector's passes, which would walk it again
    at each full collection (a tenth of a drop folder's time, a twentieth of a long file's).
    Once a process: a caller that runs commands in its own process (tests) keeps its garbage
    collectable."""
    if not _frozen:
        _frozen.append(True)
        gc.freeze()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ecert-edi")
def main() -> None:
    """Process CBP eCERT 2.0 export-certificate transmissions (ABI-style, 80-column records)."""
