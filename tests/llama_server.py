"""llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``), started the way the local
provider loads its model: with llama.cpp's extra CPU buffer types off. A wheel compiled on a CPU that
reports AMX which the VM does not grant crashes on its first matrix multiply otherwise (see
``assistant.llm.local._without_extra_buffers``). Arguments are the server's own."""

import runpy

from assistant.llm.local import _without_extra_buffers

if __name__ == "__main__":
    with _without_extra_buffers():
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
