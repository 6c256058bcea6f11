"""``flask readings …``: cold-chain commands (docs/coldchain.md): simulated readings for the demo, the storage
housekeeping beat runs daily."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from inventory import db


@click.group("readings", cls=AppGroup, help="Cold-chain readings: simulate, storage housekeeping.")
def readings_group() -> None:
    pass


@readings_group.command("simulate", help="Feed realistic readings (daily cycle, door openings, a compressor "
                                         "failure, a silent sensor) to every cold facility, or those named.")
@click.option("--facility", "facilities", multiple=True, help="facility code (repeatable); default every cold one")
@click.option("--hours", default=24, type=click.IntRange(1, 24 * 31), show_default=True)
@click.option("--sensors", default=3, type=click.IntRange(1, 50), show_default=True,
              help="sensors per facility (SIM-n are registered when missing)")
@click.option("--seed", default=1, show_default=True)
@click.option("--no-failure", is_flag=True, help="no compressor failure and no silent sensor")
def simulate(facilities: tuple[str, ...], hours: int, sensors: int, seed: int, no_failure: bool) -> None:
    from inventory.services.coldchain import simulate as simulator

    with db.session_scope() as session:
        done = simulator.simulate(session=session, facility_codes=list(facilities) or None, hours=hours,
                                  sensors=sensors, seed=seed, failure=not no_failure)
        session.commit()
    if not done:
        raise click.BadParameter("no such active facility", param_hint="--facility")
    for item in done:
        click.echo(f"{item.facility}: {item.sensors} sensors, {item.readings} readings, {item.stored} new")
    click.echo("run `flask scan temperature` to find the excursions and silent sensors")


@readings_group.command("housekeeping", help="Partitions ahead, the last two days' roll-ups, retention.")
def housekeeping() -> None:
    from inventory.services.coldchain import storage

    with db.session_scope() as session:
        done = storage.housekeeping(session)
        session.commit()
    click.echo(f"partitions made {len(done.partitions_made)}, hours rolled up {done.hours_rolled_up}, "
               f"partitions dropped {len(done.retention.dropped)}, rows deleted {done.retention.deleted}")
