"""Errors become messages at the edge: every handler is wrapped so that our errors are shown in the
user's language (a localised prefix and the error's own text, escaped) and anything else is logged
on the server and shown as a short message: never a traceback."""

import functools
import html
import inspect
import logging

import gradio as gr

from assistant.errors import AssistantError, InputError, ProviderError
from assistant.users import AuthError, PermissionDenied
from assistant.workflow.states import BlockedError, ConflictError, TransitionError
from ui.i18n import t

log = logging.getLogger("ui")

_PREFIX = ((AuthError, "error_auth"), (PermissionDenied, "error_denied"), (TransitionError, "error_denied"),
           (BlockedError, "error_denied"), (ConflictError, "error_conflict"), (InputError, "error_input"),
           (ProviderError, "error_provider"), (AssistantError, "error_other"))


def message(exc: Exception, lang: str | None) -> str:
    for cls, key in _PREFIX:
        if isinstance(exc, cls):
            return f"{t(lang, key)}: {html.escape(exc.render())}"
    log.exception("unexpected error in a web handler", exc_info=exc)
    return t(lang, "error_unexpected")


def _lang(fn, args, kwargs) -> str | None:
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    except TypeError:
        return None
    return bound.arguments.get("lang")


def guard(fn):
    """Wrap a handler (plain or generator): errors become ``gr.Error`` with a readable message."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:  # noqa: BLE001 - the edge: everything becomes a message
                raise gr.Error(message(exc, _lang(fn, args, kwargs)), print_exception=False) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the edge: everything becomes a message
            raise gr.Error(message(exc, _lang(fn, args, kwargs)), print_exception=False) from None
    return wrapper
