"""Fixtures for the web app tests: the app served on 127.0.0.1 (a free port) in this process, with
the scripted model and three users (admin, writer, reviewer)."""

from __future__ import annotations


import pytest

from assistant.llm import LLMHandle
from assistant.llm.fake import ScriptedChatModel
from assistant.services import build_services
from assistant.settings import load_settings
from tests.helpers import free_port

PASSWORD = "correct horse battery"
USERS = (("ada", "admin"), ("wendy", "writer"), ("rita", "reviewer"))


def scripted_listing() -> dict:
    """A listing whose title uses a term the sample brand bans (with a replacement): one finding
    with a mechanical fix."""
    from tests.test_kinds import SAMPLES

    return dict(SAMPLES["listing"], title="Bambuu Moso Bamboo Cutting Board, eco-friendly, 45 x 30 cm")


def ui_services(reply: dict | None = None):
    model = ScriptedChatModel(default_reply=reply or scripted_listing())
    svc = build_services(load_settings(provider="fake", revise_rounds=0), llm=LLMHandle(model, "fake", "scripted"))
    admin = None
    for name, role in USERS:
        user = svc.users.add(name, role, PASSWORD, actor=admin)
        admin = admin or user
    return svc


@pytest.fixture
def ui_server():
    """(url, services) of the app running in a background thread; closed after the test."""
    from ui.app import build_app, launch

    svc = ui_services()
    demo = build_app(svc)
    port = free_port()
    launch(demo, svc, port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", svc
    finally:
        demo.close()
