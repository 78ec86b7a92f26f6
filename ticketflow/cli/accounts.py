"""`ticketflow accounts import FILE`: load a project's account directory table;
`ticketflow claims purge | rotate-key`: destroy closed tickets' claims past the desk's
days, and seal every claim and account with a new key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from ticketflow.accounts.importing import AccountFileError, Imported, import_accounts
from ticketflow.accounts.sealing import Sealer, SealError, ensure_key_file, key_path, read_keys
from ticketflow.components import Components
from ticketflow.store.claims import purge_claims
from ticketflow.store.models import DirectoryAccount, SealedClaims


class AccountsError(ValueError):
    """A file, project or key the command cannot use (its one-line error)."""


def import_file(args: argparse.Namespace, components: Components) -> int:
    project = _project(args, components)
    config = components.projects.desk(project).passwords
    assert config is not None
    names = frozenset(c.name for c in config.claims)

    def progress(done: Imported) -> None:
        print(f"\r{done.accounts} accounts, {done.changes} new changes", end="", file=sys.stderr)

    try:
        done = import_accounts(
            components.sessions, components.accounts.sealer, project, args.file, names, progress
        )
    except AccountFileError as exc:
        print(file=sys.stderr)
        raise AccountsError(f"{args.file}: {exc}") from None
    print(file=sys.stderr)
    print(f"imported {done.accounts} accounts of {project} ({done.changes} new changes)")
    return 0


def _project(args: argparse.Namespace, components: Components) -> str:
    with_passwords = [p.name for p in components.projects if p.desk.passwords is not None]
    if args.project is None:
        if not with_passwords:
            raise AccountsError("no project has `passwords:` in the desk config")
        return with_passwords[0]
    if args.project not in with_passwords:
        known = ", ".join(with_passwords) or "none"
        raise AccountsError(f"project {args.project!r} has no `passwords:`; those that do: {known}")
    return str(args.project)


def purge(args: argparse.Namespace, components: Components) -> int:
    days = {p.name: p.desk.passwords.purge_days for p in components.projects if p.desk.passwords}
    gone = purge_claims(components.sessions, days)
    print(f"destroyed the claims of {gone} closed tickets past their projects' days")
    return 0


def rotate_key(args: argparse.Namespace, components: Components) -> int:
    """A new key first in the file, every sealed value sealed with it; with --drop-old,
    the old keys then leave the file."""
    path = ensure_key_file(key_path(components.settings))
    keys = [Fernet.generate_key(), *read_keys(path)]
    sealer = Sealer(keys)
    _write_keys(path, keys)
    resealed = 0
    try:
        with components.sessions.begin() as session:
            for claims in session.scalars(select(SealedClaims)):
                claims.sealed = sealer.reseal(claims.sealed)
                resealed += 1
            for account in session.scalars(select(DirectoryAccount)):
                if account.facts_sealed:
                    account.facts_sealed = sealer.reseal(account.facts_sealed)
                    resealed += 1
    except SealError as exc:
        raise AccountsError(f"a sealed value no key in {path} opens: {exc}") from None
    if args.drop_old:
        _write_keys(path, keys[:1])
    kept = "the old keys dropped" if args.drop_old else "the old keys kept after it"
    print(f"{resealed} values sealed with the new key, first in {path}; {kept}")
    return 0


def _write_keys(path: Path, keys: list[bytes]) -> None:
    temporary = path.with_suffix(".new")
    temporary.write_bytes(b"".join(k + b"\n" for k in keys))
    temporary.chmod(0o600)
    temporary.replace(path)


ACCOUNT_ACTIONS = {"import": import_file}
CLAIM_ACTIONS = {"purge": purge, "rotate-key": rotate_key}
