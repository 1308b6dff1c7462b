"""XML token spans from pygments, named by role so each theme picks the colours.

The core only says which characters are a tag, an attribute, a string…; the UI turns roles
into styles. Only lines on screen are ever highlighted.
"""

from __future__ import annotations

from functools import lru_cache

from pygments.lexers.html import XmlLexer
from pygments.token import Comment, Name, Punctuation, String, Text, Token, _TokenType

ROLES = ("tag", "attribute", "string", "text", "comment", "punctuation")

_LEXER = XmlLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=64)
def _role(token: _TokenType) -> str | None:
    if token in Name.Tag:
        return "tag"
    if token in Name.Attribute:
        return "attribute"
    if token in String:
        return "string"
    if token in Comment or token in Token.Comment.Preproc:
        return "comment"
    if token in Punctuation or token in Token.Operator:
        return "punctuation"
    if token in Text:
        return "text"
    return None


def xml_spans(xml: str) -> list[tuple[int, int, str]]:
    """(start, end, role) for every highlighted run of `xml`."""
    spans = []
    for start, token, value in _LEXER.get_tokens_unprocessed(xml):
        role = _role(token)
        if role is not None and value:
            spans.append((start, start + len(value), role))
    return spans
