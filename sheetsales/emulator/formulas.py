"""A deliberately small formula evaluator, enough for tests that write simple formulas.

Longer than 300 lines because the tokenizer, the parser and the functions of one small
language belong together.

Supported: numbers, "strings", TRUE/FALSE, cell references (``B2``, ``$B$2``, ``'Other tab'!B2``),
ranges inside functions, ``+ - * / ^ &``, comparisons, unary minus, postfix ``%`` and the
functions in ``FUNCTIONS``. Anything else evaluates to ``#NAME?`` (unknown function) or
``#ERROR!`` (unparsable), the codes Sheets itself shows; it is never a silent wrong number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Callable

from .a1 import RangeParseError, parse_ref, split_sheet
from .cells import CellError, date_to_serial

NAME, DIV0, VALUE, REF, PARSE, NA = (CellError(c) for c in ("#NAME?", "#DIV/0!", "#VALUE!", "#REF!", "#ERROR!", "#N/A"))

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
    | (?P<string>"(?:[^"]|"")*")
    | (?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z0-9_]+!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?
             |(?:'(?:[^']|'')+'!|[A-Za-z0-9_]+!)?\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3})(?![A-Za-z0-9_(])
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op><>|<=|>=|[-+*/^&=<>(),%:;])
    )""", re.VERBOSE)

# resolve(sheet_title_or_None, Ref) -> list of rows of values (a single cell is [[value]])
Resolver = Callable[[str | None, object], list]


class _Fail(Exception):
    def __init__(self, error: CellError):
        self.error = error


def evaluate(formula: str, resolve: Resolver, here: tuple[int, int] = (0, 0)):
    """The value of ``=...`` text in the 0-based cell `here`; errors come back as CellError
    values, never exceptions."""
    try:
        parser = _Parser(_tokenize(formula[1:]), resolve)
        parser.here = here
        value = parser.expression()
        if parser.pos != len(parser.tokens):
            return PARSE
        if isinstance(value, list):
            value = value[0][0] if value and value[0] else None
        return 0 if value is None else value
    except _Fail as failure:
        return failure.error
    except RecursionError:
        return REF


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise _Fail(PARSE)
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over Sheets operator precedence; evaluates as it parses."""

    def __init__(self, tokens, resolve):
        self.tokens, self.pos, self.resolve = tokens, 0, resolve
        self.here = (0, 0)

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value=None):
        token = self.peek()
        if value is not None and token[1] != value:
            raise _Fail(PARSE)
        self.pos += 1
        return token

    def expression(self):
        left = self.concat()
        while self.peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            left = _compare(op, _scalar(left), _scalar(self.concat()))
        return left

    def concat(self):
        left = self.additive()
        while self.peek()[1] == "&":
            self.take()
            left = _text(_scalar(left)) + _text(_scalar(self.additive()))
        return left

    def additive(self):
        left = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            a, b = _num(left), _num(self.term())
            left = a + b if op == "+" else a - b
        return left

    def term(self):
        left = self.power()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            a, b = _num(left), _num(self.power())
            if op == "/" and b == 0:
                raise _Fail(DIV0)
            left = a * b if op == "*" else a / b
        return left

    def power(self):
        left = self.unary()
        while self.peek()[1] == "^":
            self.take()
            left = _num(left) ** _num(self.unary())
        return left

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            value = _num(self.unary())
            return -value if op == "-" else value
        value = self.primary()
        while self.peek()[1] == "%":
            self.take()
            value = _num(value) / 100
        return value

    def primary(self):
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.reference(text)
        if kind == "name":
            if self.peek()[1] == "(":
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.upper() == "TRUE"
            raise _Fail(NAME)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        raise _Fail(PARSE)

    def reference(self, text: str):
        try:
            sheet, ref_text = split_sheet(text.replace("$", ""))
            ref = parse_ref(ref_text)
        except RangeParseError:
            raise _Fail(PARSE) from None
        rows = self.resolve(sheet, ref)
        if rows is None:
            raise _Fail(REF)
        for row in rows:
            for value in row:
                if isinstance(value, CellError):
                    raise _Fail(value)
        return rows

    def call(self, name: str):
        self.take("(")
        args = []
        if self.peek()[1] != ")":
            args.append(self.expression())
            while self.peek()[1] in (",", ";"):
                self.take()
                args.append(self.expression())
        self.take(")")
        if name in ("ROW", "COLUMN") and not args:  # the formula's own row or column
            return float(self.here[0 if name == "ROW" else 1] + 1)
        function = FUNCTIONS.get(name)
        if function is None:
            raise _Fail(NAME)
        return function(*args)


def _scalar(value):
    if isinstance(value, list):
        return value[0][0] if value and value[0] else None
    return value


def _num(value) -> float:
    value = _scalar(value)
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise _Fail(VALUE) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, a, b) -> bool:
    def key(v):
        if v is None:
            return (0, 0)
        if isinstance(v, bool):
            return (2, v)
        if isinstance(v, (int, float)):
            return (0, v)
        return (1, str(v).lower())
    ka, kb = key(a), key(b)
    return {"=": ka == kb, "<>": ka != kb, "<": ka < kb, ">": ka > kb, "<=": ka <= kb, ">=": ka >= kb}[op]


def _flatten(args) -> list:
    values = []
    for arg in args:
        if isinstance(arg, list):
            values.extend(v for row in arg for v in row)
        else:
            values.append(arg)
    return values


def _numbers(args) -> list[float]:
    out = []
    for arg in args:
        if isinstance(arg, list):  # a range: text, blanks and booleans are skipped, as in Sheets
            out.extend(float(v) for row in arg for v in row
                       if isinstance(v, (int, float)) and not isinstance(v, bool))
        else:
            out.append(_num(arg))
    return out


def _average(*args):
    values = _numbers(args)
    if not values:
        raise _Fail(DIV0)
    return sum(values) / len(values)


def _count(*args):
    def is_number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return float(sum(1 for v in _flatten(args) if is_number(v)))


def _na():
    raise _Fail(NA)


def _date(year, month, day):
    y, m, d = int(_num(year)), int(_num(month)), int(_num(day))
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    try:
        return float(date_to_serial(dt.date(y, m, 1)) + d - 1)
    except ValueError:
        raise _Fail(VALUE) from None


def _round(value, digits=0.0):
    number, places = _num(value), int(_num(digits))
    scaled = abs(number) * 10**places
    result = math.floor(scaled + 0.5) / 10**places
    return math.copysign(result, number)


FUNCTIONS = {
    "SUM": lambda *a: sum(_numbers(a)),
    "MIN": lambda *a: min(_numbers(a), default=0.0),
    "MAX": lambda *a: max(_numbers(a), default=0.0),
    "AVERAGE": _average,
    "COUNT": _count,
    "COUNTA": lambda *a: float(sum(1 for v in _flatten(a) if v not in (None, ""))),
    "IF": lambda cond, yes=True, no=False: yes if _num(cond) else no,
    "AND": lambda *a: all(_num(v) for v in _flatten(a) if v is not None),
    "OR": lambda *a: any(_num(v) for v in _flatten(a) if v is not None),
    "NOT": lambda v: not _num(v),
    "ABS": lambda v: abs(_num(v)),
    "ROUND": _round,
    "LEN": lambda v: float(len(_text(_scalar(v)))),
    "UPPER": lambda v: _text(_scalar(v)).upper(),
    "LOWER": lambda v: _text(_scalar(v)).lower(),
    "TRIM": lambda v: " ".join(_text(_scalar(v)).split()),
    "CONCATENATE": lambda *a: "".join(_text(v) for v in _flatten(a)),
    "DATE": _date,
    "NA": _na,
}
