"""JSON log lines of a running service: its name, the correlation id and actor of each line, and no secrets."""

from __future__ import annotations

import io
import json
import logging
import uuid

from fastapi import Request
from tandem_shared.auth import CurrentActor
from tandem_shared.logs import JsonFormatter

from tests.integration.platform.test_delivery_faults import inbox_rows, make_person, produce
from tests.support import auth, create_app, eventually, poison_approval, running

PASSWORD = "pw-" + uuid.uuid4().hex  # PostgreSQL trusts the test connections, so any password connects


async def test_json_lines_carry_context_and_never_secrets(databases, backend, broker):
    url = await databases.fresh("capacity", backend)
    if backend == "postgres":
        url = url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    tokens = {"rm": auth("rita", "resource_manager")["Authorization"], "viewer": auth("vic")["Authorization"]}
    try:
        app = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, consumer_max_attempts=1)

        async def careless(request: Request, actor: CurrentActor) -> dict[str, str]:
            # What a careless log call might print: the headers, the database URL, the settings.
            runtime = request.app.state.runtime
            logging.getLogger("tandem.careless").warning(
                "request %s on %s with %s; settings %r", dict(request.headers), runtime.database_url,
                request.headers["authorization"], runtime.platform, extra={"authorization": request.headers[
                    "authorization"]})
            return {"actor": actor.sub}

        app.add_api_route("/capacity/careless", careless, methods=["GET"])
        async with running(app) as client:
            person = await make_person(client)
            response = await client.get("/capacity/careless",
                                        headers={"Authorization": tokens["viewer"], "X-Correlation-ID": "cid-logs-1"})
            assert response.status_code == 200, response.text
            bad = tokens["viewer"][:-6] + "AAAAAA"  # a forged signature: 401
            assert (await client.get("/capacity/v1/people", headers={"Authorization": bad})).status_code == 401
            stranger = poison_approval(person, actor="carol")  # data the contract refuses: dead-lettered
            await produce(broker.bootstrap, stranger)
            assert await eventually(lambda: inbox_rows(app, stranger.id), timeout=20) == ["dead_lettered"]
            assert person
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    output = stream.getvalue()
    for secret in [*tokens.values(), bad, *(token.split()[1] for token in tokens.values()), PASSWORD,
                   app.state.runtime.platform.auth_secret]:
        assert secret not in output
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
    assert all({"timestamp", "level", "service", "logger", "message"} <= line.keys() for line in lines)

    [careless_line] = [line for line in lines if line["logger"] == "tandem.careless"]
    assert careless_line["service"] == "capacity"
    assert careless_line["correlation_id"] == "cid-logs-1"
    assert careless_line["actor"] == "vic"
    assert careless_line["level"] == "WARNING"
    assert "[redacted]" in careless_line["message"] and careless_line["authorization"] == "Bearer [redacted]"
    if backend == "postgres":
        assert "postgres:[redacted]@127.0.0.1" in careless_line["message"]

    # The consumer's lines about an event carry the event's correlation id and actor, and the service.
    dead = [line for line in lines if line["logger"] == "tandem_shared.consumer" and "dead-lettered" in line["message"]]
    assert dead and all(line["service"] == "capacity" for line in dead)
    assert dead[0]["correlation_id"] == stranger.correlationid and dead[0]["actor"] == "carol"
