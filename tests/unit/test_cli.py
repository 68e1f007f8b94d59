"""The `tandem` command's offline parts: tokens, the catalogue, argument checks."""

from __future__ import annotations

import asyncio
import gc

import pytest
from tandem_shared.auth import Authenticator
from tandem_shared.catalogue import render_catalogue
from tandem_shared.cli import main
from tandem_shared.gateway import Gateway
from tandem_shared.settings import PlatformSettings


def test_token_prints_a_token_the_services_accept(capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "--sub", "carol", "--roles", "cab_member,change_manager", "--name", "Carol"])
    token = capsys.readouterr().out.strip()
    actor = asyncio.run(Authenticator(PlatformSettings()).verify(token))
    assert (actor.sub, actor.name, actor.roles) == ("carol", "Carol", frozenset({"cab_member", "change_manager"}))


def test_token_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        main(["token", "--sub", "x", "--roles", "emperor"])


def test_catalogue_prints_the_rendered_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    main(["events", "catalogue"])
    assert capsys.readouterr().out == render_catalogue()


def test_unknown_services_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["serve", "billing"])
    with pytest.raises(SystemExit, match="unknown service"):
        main(["migrate", "billing"])


def test_the_gateway_freezes_what_start_up_built_once_every_service_has_started() -> None:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict] = []

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "lifespan.startup.complete":
            frozen.append(gc.get_freeze_count())

    frozen: list[int] = []
    gc.unfreeze()
    try:
        asyncio.run(Gateway({})({"type": "lifespan"}, receive, send))
    finally:
        gc.unfreeze()
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert frozen[0] > 10_000  # the interpreter, pytest and Tandem's modules: out of the collector's walks
