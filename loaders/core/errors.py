"""The one base class of every error a user can fix, and the loaders' own kinds.

Every user-facing error derives from `UserError`: a bad file, input or parameter, an unknown
dataset, task, model or baseline, a rejected submission. Its message is one line naming what
is wrong and where. The CLI root (`phenoseq.cli`) catches `UserError` once, prints
`error: <message>` and exits 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; `str(exc)` is one line naming the file/input and the problem."""

    exit_code = 2
    label = "error"
    """Word the CLI prints before the message (`error: ...`; a rejected submission says `rejected: ...`)."""

    def __str__(self) -> str:  # plain message, also when mixed with KeyError (which would quote it)
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()

    def one_line(self) -> str:
        """The message on one line (whitespace runs, newlines included, collapsed to one space)."""
        return " ".join(str(self).split()) or type(self).__name__


class DatasetError(UserError, ValueError):
    """A dataset that cannot be named, built or read: unknown recipe/source/param, bad or degenerate data."""


class FormatError(UserError, ValueError):
    """A malformed input file; the message is `<file>[:<line>]: <problem>`."""


class RemoteError(UserError):
    """A network or Hub failure (offline, auth, permissions) the user can fix and retry."""

    @classmethod
    def wrap(cls, what: str, exc: BaseException) -> "RemoteError":
        """`<what> failed: <ExceptionType>: <first line of its message>`."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return cls(f"{what} failed: {type(exc).__name__}" + (f": {text}" if text else ""))
