"""Rewrite the Data API's `:name` placeholders into psycopg `%s` parameters with a SQL lexer.

The lexer knows PostgreSQL's quoting rules, so a colon inside a string literal (including `E''`
escapes and doubled quotes), a dollar-quoted body, a quoted identifier or a comment is left alone,
and `::type` casts are never mistaken for placeholders. Every `%` is doubled because psycopg reads
the rewritten text as a format string. Array slices written `a[lo:hi]` read `:hi` as a placeholder,
as the real service's named-parameter parser does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# PostgreSQL's lexer treats every non-ASCII character as a letter.
_FIRST_NON_ASCII = 0x80


@dataclass(frozen=True)
class Rewritten:
    """SQL text for psycopg plus the placeholder names, one per `%s`, in order."""

    sql: str
    names: tuple[str, ...]


def _is_ident_start(char: str) -> bool:
    return char.isalpha() or char == "_" or ord(char) >= _FIRST_NON_ASCII


def _is_ident_char(char: str) -> bool:
    return _is_ident_start(char) or char.isdigit() or char == "$"


class _Lexer:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.pos = 0
        self.out: list[str] = []
        self.names: list[str] = []

    def run(self) -> Rewritten:
        sql = self.sql
        while self.pos < len(sql):
            char = sql[self.pos]
            nxt = sql[self.pos + 1] if self.pos + 1 < len(sql) else ""
            if _is_ident_start(char):
                self._identifier()
            elif char.isdigit():
                self._copy_while(str.isdigit)
            elif char == "'":
                self._quoted("'", backslash_escapes=False)
            elif char == '"':
                self._quoted('"', backslash_escapes=False)
            elif char == "$":
                self._dollar()
            elif char == "-" and nxt == "-":
                self._line_comment()
            elif char == "/" and nxt == "*":
                self._block_comment()
            elif char == ":":
                self._colon(nxt)
            else:
                self._emit(char)
                self.pos += 1
        return Rewritten("".join(self.out), tuple(self.names))

    def _emit(self, text: str) -> None:
        self.out.append(text.replace("%", "%%"))

    def _copy_while(self, predicate: Callable[[str], bool]) -> None:
        start = self.pos
        while self.pos < len(self.sql) and predicate(self.sql[self.pos]):
            self.pos += 1
        self._emit(self.sql[start : self.pos])

    def _identifier(self) -> None:
        start = self.pos
        self._copy_while(_is_ident_char)
        word = self.sql[start : self.pos]
        # E'...' is the one literal form where a backslash can escape the closing quote.
        if word in ("e", "E") and self.sql.startswith("'", self.pos):
            self._quoted("'", backslash_escapes=True)

    def _quoted(self, quote: str, *, backslash_escapes: bool) -> None:
        sql = self.sql
        end = self.pos + 1
        while end < len(sql):
            if backslash_escapes and sql[end] == "\\":
                end += 2
                continue
            if sql[end] == quote:
                if sql.startswith(quote, end + 1):  # a doubled quote stands for itself
                    end += 2
                    continue
                end += 1
                break
            end += 1
        self._emit(sql[self.pos : end])
        self.pos = min(end, len(sql))

    def _dollar(self) -> None:
        sql = self.sql
        tag_end = self.pos + 1
        if tag_end < len(sql) and sql[tag_end].isdigit():  # $1: a positional parameter, not a quote
            self._emit("$")
            self.pos += 1
            self._copy_while(str.isdigit)
            return
        while tag_end < len(sql) and (_is_ident_start(sql[tag_end]) or sql[tag_end].isdigit()):
            tag_end += 1
        if tag_end >= len(sql) or sql[tag_end] != "$":
            self._emit("$")
            self.pos += 1
            return
        tag = sql[self.pos : tag_end + 1]
        close = sql.find(tag, tag_end + 1)
        end = len(sql) if close < 0 else close + len(tag)
        self._emit(sql[self.pos : end])
        self.pos = end

    def _line_comment(self) -> None:
        end = self.sql.find("\n", self.pos)
        end = len(self.sql) if end < 0 else end
        self._emit(self.sql[self.pos : end])
        self.pos = end

    def _block_comment(self) -> None:
        sql = self.sql
        depth = 0
        end = self.pos
        while end < len(sql):
            if sql.startswith("/*", end):  # PostgreSQL block comments nest
                depth += 1
                end += 2
            elif sql.startswith("*/", end):
                depth -= 1
                end += 2
                if depth == 0:
                    break
            else:
                end += 1
        self._emit(sql[self.pos : end])
        self.pos = end

    def _colon(self, nxt: str) -> None:
        if nxt == ":":
            self._emit("::")
            self.pos += 2
        elif nxt and _is_ident_start(nxt):
            start = self.pos + 1
            end = start
            while end < len(self.sql) and (
                _is_ident_start(self.sql[end]) or self.sql[end].isdigit()
            ):
                end += 1
            self.names.append(self.sql[start:end])
            self.out.append("%s")
            self.pos = end
        else:
            self._emit(":")
            self.pos += 1


def rewrite(sql: str) -> Rewritten:
    """Replace each `:name` outside literals, identifiers and comments with `%s`."""
    return _Lexer(sql).run()
