"""`ecert keys`: the API keys of `ecert serve`, added (shown once), listed and revoked."""

from __future__ import annotations

import datetime as dt

import click

from ecert_edi.surfaces.cli.options import db_option, emit_json, fail, json_option

keys_option = click.option(
    "--keys", "keys_path", envvar="ECERT_KEYS", metavar="PATH",
    help="The keys file (default: $ECERT_KEYS, else ecert-keys.db beside --db).")


def opened_keys(db_path: str, keys_path: str | None):
    from ecert_edi.surfaces.http.keyfile import SQLiteKeyStore
    from ecert_edi.surfaces.http.keyfile import keys_path as where

    try:
        return SQLiteKeyStore(where(db_path, keys_path))
    except ValueError as exc:
        fail(str(exc))


@click.group()
def keys() -> None:
    """Manage the API keys of `ecert serve`: each speaks for one sender or an operator.

    Only a hash of a key is kept (scrypt, a salt of its own); the key is shown once, when it
    is added.
    """


@keys.command("add")
@db_option
@keys_option
@click.option("--sender", metavar="TYPE:ID", help="The sender it speaks for: CG:AU, FL:B2X.")
@click.option("--operator", is_flag=True, help="An operator's key: reads everything, the web view.")
def add(db_path, keys_path, sender, operator):
    """Add a key and print it, once."""
    from ecert_edi.surfaces.http.keys import OPERATOR, new_key, parse_principal

    if bool(sender) == operator:
        raise click.UsageError("give --sender TYPE:ID or --operator")
    try:
        principal = parse_principal(OPERATOR if operator else sender)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sender") from None
    key, record = new_key(principal)
    store = opened_keys(db_path, keys_path)
    try:
        store.add(record)
    finally:
        store.close()
    click.echo(key)
    click.echo(f"ecert keys: key {record.key_id} for {principal}; it is not shown again",
               err=True)


@keys.command("list")
@db_option
@keys_option
@json_option
def list_keys(db_path, keys_path, as_json):
    """List the keys: id, whom each speaks for, when added, when revoked."""
    store = opened_keys(db_path, keys_path)
    try:
        records = list(store.all())
    finally:
        store.close()
    for r in records:
        if as_json:
            emit_json({"id": r.key_id, "for": str(r.principal), "created": r.created,
                       "revoked": r.revoked})
        else:
            click.echo(f"{r.key_id}  {r.principal!s:<10}  {r.created}"
                       f"{'  revoked ' + r.revoked if r.revoked else ''}")
    if not records and not as_json:
        click.echo("No key.")


@keys.command("revoke")
@db_option
@keys_option
@click.argument("key_id")
def revoke(db_path, keys_path, key_id):
    """Revoke a key by its id (`ecert keys list`); it is refused from its next request on."""
    store = opened_keys(db_path, keys_path)
    try:
        done = store.revoke(key_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    finally:
        store.close()
    if not done:
        fail(f"no live key {key_id}")
    click.echo(f"ecert keys: key {key_id} revoked", err=True)
