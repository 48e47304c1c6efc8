"""The web app (Gradio) for writers and reviewers, in zh-CN and en. Thin: every handler calls the
services built by ``assistant.services.build_services``."""


def build_app(services, **kwargs):
    from ui.app import build_app as build

    return build(services, **kwargs)


def serve(services, *, host: str = "127.0.0.1", port: int = 7860, **kwargs):
    from ui.app import build_app as build, launch

    return launch(build(services), services, host=host, port=port, **kwargs)
