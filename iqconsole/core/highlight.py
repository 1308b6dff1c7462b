"""XML token spans from pygments, named by role so each theme picks the colours.

The core only says which characters are a tag, an attribute, a string…; the UI turns roles
into styles. Only lines on screen are ever highlighted.
"""

from __future__ import annotations

from functools import lru_cache

from pygments.lexers.html import XmlLexer
from pygments.token import Comment, Name, Punctuation, String, Text, Token, _TokenType, is_token_subtype

ROLES = ("tag", "attribute", "string", "text", "comment", "punctuation")

_LEXER = XmlLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=64)
def _role(token: _TokenType) -> str | None:
    if is_token_subtype(token, Name.Tag):
        return "tag"
    if is_token_subtype(token, Name.Attribute):
        return "attribute"
    if is_token_subtype(token, String):
        return "string"
    if is_token_subtype(token, Comment) or is_token_subtype(token, Token.Comment.Preproc):
        return "comment"
    if is_token_subtype(token, Punctuation) or is_token_subtype(token, Token.Operator):
        return "punctuation"
    if is_token_subtype(token, Text):
        return "text"
    return None


def xml_spans(xml: str, until: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, role) for every highlighted run of `xml`; with `until`, only those that start
    before that character (a log row shows a screen's width: the rest is never lexed)."""
    spans = []
    for start, token, value in _LEXER.get_tokens_unprocessed(xml):
        if until is not None and start >= until:
            break
        role = _role(token)
        if role is not None and value:
            spans.append((start, start + len(value), role))
    return spans
