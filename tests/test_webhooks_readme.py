"""The README's signature checks, in Python and in Node, run as written against a delivery signed
by Careleaf: a receiver who copies them gets a working check."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks import delivery
from webhooks.models import Endpoint

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def snippet(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.S)
    return next(block for block in blocks if marker in block)


@pytest.fixture
def signed():
    endpoint = Endpoint(name="Site", url="https://hooks.clinic.example/")
    body = delivery.body_of({"type": "article.updated", "data": {"article": {"slug": "pump"}}}, "msg_readme")
    headers = delivery.signed_headers(endpoint, "msg_readme", body, timezone.now())
    return endpoint.secret, body, {name.lower(): value for name, value in headers.items()}


def test_the_python_check_accepts_a_careleaf_delivery_and_refuses_a_changed_one(signed):
    secret, body, headers = signed
    namespace = {}
    exec(snippet("python", "def careleaf_event"), namespace)  # noqa: S102 (the README's own code)
    assert namespace["careleaf_event"](body, headers, secret)["data"]["article"]["slug"] == "pump"
    with pytest.raises(WebhookVerificationError):
        namespace["careleaf_event"](body.replace(b"pump", b"pomp"), headers, secret)


def run_node(code: str) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "Node.js is needed for the README's Node check (Debian: apt-get install nodejs)"
    return subprocess.run([node, "-e", code], capture_output=True, text=True, timeout=30)


def test_the_node_check_accepts_a_careleaf_delivery_and_refuses_a_changed_one(signed):
    secret, body, headers = signed
    code = snippet("js", "function careleafEvent")
    arguments = f"{json.dumps(body.decode())}, {json.dumps(headers)}, {json.dumps(secret)}"
    call = f"console.log(JSON.stringify(careleafEvent({arguments})));"
    accepted = run_node(code + call)
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["data"]["article"]["slug"] == "pump"
    changed = body.decode().replace("pump", "pomp")
    call = f"careleafEvent({json.dumps(changed)}, {json.dumps(headers)}, {json.dumps(secret)});"
    refused = run_node(code + call)
    assert refused.returncode != 0 and "no valid signature" in refused.stderr
