"""The web app (Gradio) for writers and reviewers, in zh-CN and en. Thin: every handler calls the
services built by ``assistant.services.build_services``."""


def build_app(services, **kwargs):
    from ui.app import build_app as build

    return build(services, **kwargs)


def serve(services, *, host: str = "127.0.0.1", port: int = 7860, **kwargs):
    """Serve the app. Gradio keeps uploads in the data directory too (``<home>/uploads/gradio``)."""
    import os

    os.environ.setdefault("GRADIO_TEMP_DIR", str(services.settings.home.resolve() / "uploads" / "gradio"))
    from ui.app import build_app as build, launch

    return launch(build(services), services, host=host, port=port, **kwargs)
