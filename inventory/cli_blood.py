"""``flask donors …``: the donor register's key rotation (docs/blood.md, "Personal data")."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from inventory import db


@click.group("donors", cls=AppGroup, help="The emergency donor register.")
def donors_group() -> None:
    pass


@donors_group.command("rotate-key", help="Re-encrypt every donor's name and phone under a new Fernet key "
                                         "(MultiFernet rotate), then drop the older keys from the instance file.")
@click.option("--keep-old", is_flag=True, help="keep the older keys in the instance file (tokens in backups stay "
                                               "readable); remove them later by running this again")
@click.option("--no-new-key", is_flag=True, help="re-encrypt under the newest key there is, without adding one "
                                                 "(after an interrupted rotation)")
def rotate_key(keep_old: bool, no_new_key: bool) -> None:
    from inventory.services.blood import donor_vault, donors

    from_file = donor_vault.keys_from_file()
    if from_file and not no_new_key:
        click.echo(f"added a new donor key: the instance file holds {donor_vault.rotate_key()} keys")
    with db.session_scope() as session:
        rewritten = donors.reencrypt_register(session=session)
        session.commit()
        left = donor_vault.unreadable_with_newest(session)
    click.echo(f"re-encrypted {rewritten} donors under the newest key")
    if left:
        raise click.ClickException(f"{left} donors were written under an older key meanwhile: the older keys are "
                                   "kept; run `flask donors rotate-key --no-new-key`")
    if not from_file:
        click.echo("the keys come from DONOR_KEYS: its first key is the newest; remove the older ones there now")
    elif keep_old:
        click.echo("the older keys are kept in the instance file")
    else:
        donor_vault.retire_old_keys()
        click.echo("the older keys are removed from the instance file: only the new key reads the register")
