"""One small filter language for the traffic log view, search and export.

`kind:iq type:get -jid:example.org or "urn:xmpp:ping"`: field terms and free text joined by
and/or/not and parentheses. A filter runs over every entry of a 100,000-entry ring, so
needles are lowercased once, the cheap field terms run first, and XPath parses an entry's XML
only when everything cheaper in the same `and` already let it through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter

from iqconsole.core.stanza import StanzaError, parse_stanzas
from iqconsole.core.stanza_xpath import XPathError, compile_xpath
from iqconsole.core.traffic import Direction, Kind, TrafficEntry

EntryTest = Callable[[TrafficEntry], bool]

FIELDS = ("dir", "kind", "type", "jid", "from", "to", "id", "ns", "responder", "xpath")
ANY_VALUE = "*"
_KEYWORDS = ("and", "or", "not")
_QUOTES = "\"'"
_MAX_NESTING = 50  # deeper parentheses are a typo, and would exhaust the recursive parser
# What a term costs per entry: reading attributes, scanning the XML, parsing the XML.
_FIELD_COST, _TEXT_COST, _XPATH_COST = 0, 1, 2


class FilterError(ValueError):
    """Why a filter expression cannot be used; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"{message} (at character {position + 1})")


# -- matching ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Term:
    field: str  # "" for free text
    value: str
    test: EntryTest
    cost: int

    def compile(self) -> EntryTest:
        return self.test

    def describe(self) -> str:
        if not self.field:
            return _quoted_if_needed(self.value, free_text=True)
        return f"{self.field}:{_quoted_if_needed(self.value, free_text=False)}"


@dataclass(frozen=True, slots=True)
class _Combination:
    """`and` (every part must pass) or `or` (one is enough); cheap parts are tried first."""

    parts: tuple[_Node, ...]
    every: bool

    @property
    def cost(self) -> int:
        return max(part.cost for part in self.parts)

    def compile(self) -> EntryTest:
        tests = tuple(part.compile() for part in sorted(self.parts, key=attrgetter("cost")))
        combine = all if self.every else any
        return lambda entry: combine(test(entry) for test in tests)

    def describe(self) -> str:
        if not self.every:
            return " or ".join(part.describe() for part in self.parts)
        return " ".join(
            f"({part.describe()})" if isinstance(part, _Combination) and not part.every else part.describe()
            for part in self.parts
        )


@dataclass(frozen=True, slots=True)
class _Not:
    part: _Node

    @property
    def cost(self) -> int:
        return self.part.cost

    def compile(self) -> EntryTest:
        test = self.part.compile()
        return lambda entry: not test(entry)

    def describe(self) -> str:
        inner = self.part.describe()
        return f"-{inner}" if isinstance(self.part, _Term) else f"-({inner})"


_Node = _Term | _Combination | _Not


class TrafficFilter:
    """A compiled filter expression; an empty one lets every entry through."""

    def __init__(self, root: _Node | None):
        self._root = root
        self._test: EntryTest = root.compile() if root is not None else (lambda entry: True)

    def matches(self, entry: TrafficEntry) -> bool:
        return self._test(entry)

    def describe(self) -> str:
        """The expression in canonical form: one spelling, minimal quotes and parentheses."""
        return self._root.describe() if self._root is not None else ""


def find_next(
    entries: Sequence[TrafficEntry], traffic_filter: TrafficFilter, start: int, backwards: bool = False
) -> int | None:
    """Index of the first match at or after `start` (at or before it when `backwards`), or None.

    Walks an iterator rather than indexing, because indexing the middle of a deque (the store's
    `entries`) costs time proportional to the distance from its ends.
    """
    if backwards:
        start = min(start, len(entries) - 1)
        if start < 0:
            return None
        behind = reversed(entries)
        for offset, entry in enumerate(islice(behind, len(entries) - 1 - start, None)):
            if traffic_filter.matches(entry):
                return start - offset
        return None
    start = max(start, 0)
    for offset, entry in enumerate(islice(entries, start, None)):
        if traffic_filter.matches(entry):
            return start + offset
    return None


# -- terms ---------------------------------------------------------------------------------


def _direction_test(value: str, position: int) -> EntryTest:
    try:
        direction = Direction(value.lower())
    except ValueError:
        raise FilterError(f"unknown direction {value!r}: use dir:in or dir:out", position) from None
    return lambda entry: entry.direction is direction


def _kind_test(value: str, position: int) -> EntryTest:
    try:
        kind = Kind(value.lower())
    except ValueError:
        kinds = ", ".join(kind.value for kind in Kind)
        raise FilterError(f"unknown kind {value!r}: use one of {kinds}", position) from None
    return lambda entry: entry.kind is kind


def _jid_matcher(value: str) -> Callable[[str], bool]:
    """A full JID matches itself; a bare JID or a domain matches any resource of it."""
    needle = value.lower()
    if "/" in needle:
        return lambda jid: jid.lower() == needle
    return lambda jid: jid.lower().split("/", 1)[0] == needle


def _equal_ignoring_case(value: str) -> Callable[[str], bool]:
    needle = value.lower()
    return lambda text: text.lower() == needle


def _contains_ignoring_case(value: str) -> Callable[[str], bool]:
    needle = value.lower()
    return lambda text: needle in text.lower()


def _exact(value: str) -> Callable[[str], bool]:
    return lambda text: text == value


# field -> (what it reads from an entry, how it compares what it read with the value)
_ATTRIBUTE_FIELDS: dict[str, tuple[Callable[[TrafficEntry], str], Callable[[str], Callable[[str], bool]]]] = {
    "type": (attrgetter("type"), _equal_ignoring_case),
    "from": (attrgetter("sender"), _jid_matcher),
    "to": (attrgetter("recipient"), _jid_matcher),
    "id": (attrgetter("stanza_id"), _exact),
    "ns": (attrgetter("namespace"), _contains_ignoring_case),
    "responder": (attrgetter("responder"), _contains_ignoring_case),
}


def _attribute_test(field: str, value: str) -> EntryTest:
    read, matcher = _ATTRIBUTE_FIELDS[field]
    if value == ANY_VALUE:
        return lambda entry: read(entry) != ""
    matches = matcher(value)
    return lambda entry: matches(read(entry))


def _either_jid_test(value: str) -> EntryTest:
    if value == ANY_VALUE:
        return lambda entry: entry.sender != "" or entry.recipient != ""
    matches = _jid_matcher(value)
    return lambda entry: matches(entry.sender) or matches(entry.recipient)


def _text_test(value: str) -> EntryTest:
    needle = value.lower()
    return lambda entry: needle in entry.xml.lower()


def _xpath_test(expression: str, position: int) -> EntryTest:
    """The stanza matches the XPath (the same dialect as responders' XPath matches)."""
    try:
        test = compile_xpath(expression)
    except XPathError as error:
        hint = ' (quote an XPath that holds spaces or parentheses: xpath:"…")' if "unfinished" in str(error) else ""
        raise FilterError(f"{error}{hint}", position) from None

    def found(entry: TrafficEntry) -> bool:
        try:
            stanzas = parse_stanzas(entry.xml)
        except StanzaError:  # a stream header or keepalive: no element to look into
            return False
        return len(stanzas) == 1 and test(stanzas[0])

    return found


def _term(token: _Token) -> _Term:
    field, value = token.field, token.value
    if field is None:
        if not value:
            raise FilterError("empty text: put something between the quotes", token.position)
        return _Term("", value, _text_test(value), _TEXT_COST)
    if not field:
        raise FilterError("expected a field name before ':'", token.position)
    if field not in FIELDS:
        raise FilterError(
            f"unknown field {field!r}: use one of {', '.join(FIELDS)}, or quote text that contains ':'",
            token.position,
        )
    if not value:
        raise FilterError(f"expected a value after '{field}:'", token.value_position)
    if field == "dir":
        return _Term(field, value, _direction_test(value, token.value_position), _FIELD_COST)
    if field == "kind":
        return _Term(field, value, _kind_test(value, token.value_position), _FIELD_COST)
    if field == "jid":
        return _Term(field, value, _either_jid_test(value), _FIELD_COST)
    if field == "xpath":
        return _Term(field, value, _xpath_test(value, token.value_position), _XPATH_COST)
    return _Term(field, value, _attribute_test(field, value), _FIELD_COST)


def _quoted_if_needed(value: str, free_text: bool) -> str:
    bare = (
        value != ""
        and not any(char.isspace() or char in "()\"'\\" for char in value)
        and not (free_text and (":" in value or value.startswith("-") or value.lower() in _KEYWORDS))
    )
    if bare:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# -- reading the expression ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not" or "term"
    position: int
    text: str = ""  # as written, for messages
    field: str | None = None  # None for free text
    value: str = ""
    value_position: int = 0


def _ends_word(char: str) -> bool:
    return char.isspace() or char in "()"


def _word_end(text: str, start: int, stop: str = "") -> int:
    end = start
    while end < len(text) and not _ends_word(text[end]) and text[end] not in stop:
        end += 1
    return end


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The unescaped value of the quoted string at `start` and the offset just after it."""
    quote = text[start]
    value: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            value.append(text[index + 1])
            index += 2
            continue
        if char == quote:
            end = index + 1
            if end < len(text) and not _ends_word(text[end]):
                raise FilterError("expected a space or ')' after the closing quote", end)
            return "".join(value), end
        value.append(char)
        index += 1
    raise FilterError(f"unclosed {quote}: add the closing {quote}", start)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in "()":
            tokens.append(_Token(char, index, char))
            index += 1
        elif char == "-":
            if index + 1 == len(text) or text[index + 1].isspace() or text[index + 1] == ")":
                raise FilterError("expected a term right after '-', such as -kind:presence", index)
            tokens.append(_Token("not", index, "-"))
            index += 1
        elif char in _QUOTES:
            value, end = _read_quoted(text, index)
            tokens.append(_Token("term", index, text[index:end], None, value, index))
            index = end
        else:
            end = _word_end(text, index, stop=":")
            if end < len(text) and text[end] == ":":
                value_start = end + 1
                if value_start < len(text) and text[value_start] in _QUOTES:
                    value, value_end = _read_quoted(text, value_start)
                else:
                    value_end = _word_end(text, value_start)
                    value = text[value_start:value_end]
                field = text[index:end].lower()
                tokens.append(_Token("term", index, text[index:value_end], field, value, value_start))
                index = value_end
            else:
                word = text[index:end]
                keyword = word.lower()
                if keyword in _KEYWORDS:
                    tokens.append(_Token(keyword, index, word))
                else:
                    tokens.append(_Token("term", index, word, None, word, index))
                index = end
    return tokens


class _Parser:
    """Recursive descent: `or` binds loosest, then `and` (or juxtaposition), then not/-."""

    def __init__(self, text: str, tokens: list[_Token]):
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> _Node:
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:  # the loops below stop early only at ')'
            raise FilterError("')' without a matching '('", extra.position)
        return node

    def parse_or(self) -> _Node:
        parts = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.index += 1
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else _Combination(tuple(parts), every=False)

    def parse_and(self) -> _Node:
        parts = [self.parse_not()]
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind == "and":
                self.index += 1
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else _Combination(tuple(parts), every=True)

    def parse_not(self) -> _Node:
        negated = False
        while (token := self.peek()) is not None and token.kind == "not":
            negated = not negated
            self.index += 1
        node = self.parse_primary()
        return _Not(node) if negated else node

    def parse_primary(self) -> _Node:
        token = self.peek()
        previous = self.tokens[self.index - 1] if self.index else None
        if token is None:
            assert previous is not None  # empty expressions never reach the parser
            raise FilterError(f"expected a term after '{previous.text}'", len(self.text))
        if token.kind == "term":
            self.index += 1
            return _term(token)
        if token.kind == "(":
            return self.parse_group(token)
        if token.kind == ")" and self.depth == 0:
            raise FilterError("')' without a matching '('", token.position)
        if previous is None or previous.kind == "(":
            if token.kind == ")":
                raise FilterError("empty parentheses: put a term between them", token.position)
            raise FilterError(f"expected a term before '{token.text}'", token.position)
        raise FilterError(f"expected a term after '{previous.text}'", token.position)

    def parse_group(self, opening: _Token) -> _Node:
        if self.depth == _MAX_NESTING:
            raise FilterError(f"more than {_MAX_NESTING} nested parentheses", opening.position)
        self.index += 1
        self.depth += 1
        node = self.parse_or()
        if self.peek() is None:
            raise FilterError("'(' is never closed: add ')'", opening.position)
        self.index += 1
        self.depth -= 1
        return node


def compile_filter(text: str) -> TrafficFilter:
    """Check and compile an expression; raise FilterError saying where and what was expected."""
    tokens = _tokenize(text)
    root = _Parser(text, tokens).parse() if tokens else None
    return TrafficFilter(root)
