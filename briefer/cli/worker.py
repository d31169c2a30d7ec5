"""``briefer worker status|stop``: the warm spaCy worker that ``briefer brief`` keeps."""

from __future__ import annotations

import click


@click.group(name="worker")
def worker_group() -> None:
    """The warm spaCy worker: `briefer brief` starts one so the next briefs skip loading
    spaCy; it stops by itself after 10 idle minutes (nlp_worker = false in briefer.toml,
    or BRIEFER_NLP_WORKER=0, turns it off)."""


@worker_group.command()
def status() -> None:
    """Say which workers are running (pid and socket), or that none is."""
    from briefer.nlp.warm import running_workers

    workers = running_workers()
    for socket_path, pid in workers:
        click.echo(f"running: pid {pid} at {socket_path}")
    if not workers:
        click.echo("no worker running")


@worker_group.command()
def stop() -> None:
    """Stop every running worker now (SIGTERM); the next brief parses in-process again."""
    import os
    import signal

    from briefer.nlp.warm import running_workers

    workers = running_workers()
    for _, pid in workers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        click.echo(f"stopped pid {pid}")
    if not workers:
        click.echo("no worker running")
