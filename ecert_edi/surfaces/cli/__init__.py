"""The `ecert` command: a group whose subcommands load only when they are run."""

from __future__ import annotations

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
}


class LazyGroup(click.Group):
    """Loads a subcommand's module on first use, so `ecert validate` never imports the store."""

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
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ecert-edi")
def main() -> None:
    """Process CBP eCERT 2.0 export-certificate transmissions (ABI-style, 80-column records)."""
