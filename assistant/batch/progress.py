"""A rich progress bar with ETA and live counts (done, flagged, failed, tokens, cost); ``--quiet``
prints one line per ``every`` items instead, for logs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class Tally:
    def __init__(self) -> None:
        self.done = self.flagged = self.failed = self.tokens = 0
        self.cost = 0.0

    def add(self, record: dict[str, Any]) -> None:
        self.done += record["status"] == "done"
        self.failed += record["status"] == "failed"
        self.flagged += bool(record.get("flagged"))
        self.tokens += record.get("prompt_tokens", 0) + record.get("completion_tokens", 0)
        self.cost += record.get("cost_usd", 0.0)

    def text(self) -> str:
        return (f"done {self.done} · flagged {self.flagged} · failed {self.failed} · "
                f"{self.tokens:,} tokens · ${self.cost:.4f}")


class RichProgress:
    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.tally = Tally()
        self.bar = Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
                            console=self.console, transient=False)
        self.task = None

    def start(self, total: int, finished: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("batch", total=total, completed=finished, counts=self.tally.text())

    def advance(self, record: dict[str, Any]) -> None:
        self.tally.add(record)
        self.bar.update(self.task, advance=1, counts=self.tally.text())

    def close(self) -> None:
        self.bar.stop()


class QuietProgress:
    def __init__(self, console: Console | None = None, every: int = 500):
        self.console = console or Console(stderr=True)
        self.tally = Tally()
        self.every, self.total, self.seen = every, 0, 0

    def start(self, total: int, finished: int) -> None:
        self.total, self.seen = total, finished

    def advance(self, record: dict[str, Any]) -> None:
        self.tally.add(record)
        self.seen += 1
        if self.seen % self.every == 0:
            self.console.print(f"{self.seen}/{self.total} · {self.tally.text()}", highlight=False)

    def close(self) -> None: ...
