"""Parsing under limits, around the parsers (which know nothing of it).

A hostile or just enormous file must not hold a worker for minutes or take its memory: the parser
runs in a child process with a wall-clock limit and an address-space limit (resource.setrlimit),
and the child checks what it found against the per-report limits before sending it back, so an
oversized structure never reaches the caller. pypdf bounds each decompressed stream itself
(75 MB); the memory limit bounds all of them together.
"""

import multiprocessing
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from . import ParsedReport, ReportImportError, parse_report

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    seconds: float = 60
    memory_bytes: int = 1024 * MB
    sections: int = 5_000
    passages: int = 50_000  # notes included
    characters: int = 10_000_000


def parse_report_bounded(
    data: bytes,
    filename: str,
    *,
    max_bytes: int,
    limits: Limits,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedReport:
    """`parse_report` in a child process under `limits`; raises ReportImportError with a one-line
    reason when the file breaks a limit, as for any other bad file."""
    # forkserver: children fork from a small, single-threaded server with the parsers imported, so
    # they start in milliseconds and inherit neither the caller's threads nor its memory.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["annotations.importing"])
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(sender, data, filename, max_bytes, limits), daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + limits.seconds
    too_slow = _too_complex(filename, f"it needs more than {limits.seconds:g} s")
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                raise ReportImportError(too_slow)
            try:
                kind, *payload = receiver.recv()
            except EOFError:  # the child died without a word: the kernel or the CPU limit ended it
                child.join()
                if child.exitcode == -signal.SIGXCPU:
                    raise ReportImportError(too_slow) from None
                raise ReportImportError(_too_complex(filename, _memory(limits))) from None
            if kind == "progress":
                if progress is not None:
                    progress(*payload)
            elif kind == "error":
                raise ReportImportError(payload[0])
            elif kind == "memory":
                raise ReportImportError(_too_complex(filename, _memory(limits)))
            else:
                return payload[0]
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def check_limits(report: ParsedReport, limits: Limits) -> None:
    """Raise ReportImportError when the parsed report is larger than a report may be."""
    sections = len(report.sections)
    if sections > limits.sections:
        raise ReportImportError(f"too many headings: {sections:,} (the limit is {limits.sections:,} per report)")
    passages = sum(len(section.passages) for section in report.sections) + len(report.notes)
    if passages > limits.passages:
        raise ReportImportError(f"too many passages: {passages:,} (the limit is {limits.passages:,} per report)")
    characters = sum(len(p.text) for section in report.sections for p in section.passages)
    characters += sum(len(note.text) for note in report.notes) + sum(len(s.title) for s in report.sections)
    if characters > limits.characters:
        raise ReportImportError(
            f"too much text: {characters:,} characters (the limit is {limits.characters:,} per report)"
        )


def _parse_in_child(sender, data: bytes, filename: str, max_bytes: int, limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # A backstop should the parent die: the kernel ends a child that outlives its time in CPU seconds.
    cpu = int(limits.seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        report = parse_report(data, filename, max_bytes=max_bytes, progress=lambda *p: sender.send(("progress", *p)))
        check_limits(report, limits)
        sender.send(("report", report))
    except ReportImportError as error:
        sender.send(("error", str(error)))
    except MemoryError:
        sender.send(("memory",))
    except RecursionError:
        sender.send(("error", _too_complex(filename, "its structure is nested too deeply")))
    finally:
        sender.close()


def _memory(limits: Limits) -> str:
    return f"it needs more than {limits.memory_bytes // MB:,} MB of memory"


def _too_complex(filename: str, why: str) -> str:
    if PurePath(filename).suffix.lower() == ".pdf":
        return f"this PDF is too complex to extract ({why})"
    return f"this file is too complex to import ({why})"
