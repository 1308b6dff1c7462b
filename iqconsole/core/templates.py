"""The template library: ready-made stanzas as plain XML files with `${variables}`.

A template file starts with an XML comment holding its metadata, one `key: value` per line
(a line starting with whitespace continues the previous value), then the stanza itself:

    <!--
    title: Software version
    description: Ask an entity which software it runs.
    source: XEP-0092
    feature: jabber:iq:version
    peer: the entity to ask (defaults to the server)
    -->
    <iq type="get" to="${peer}" id="${id}"><query xmlns="jabber:iq:version"/></iq>

`title` is required; `description`, `source` (the XEP or RFC), `feature` (the disco feature that
makes the template relevant) and `peer` (what `${peer}` stands for here) are optional. The file
name without `.xml` is the template's name. Built-ins ship in `iqconsole/templates/`; a user's
own live in a directory of their choice (the data dir) and override built-ins of the same name.

Variables are written `${name}` (`$$` is a literal dollar). The standard ones come from
`standard_variables`: `jid` (own full JID), `bare`, `domain`, `resource`, `peer` (the entity the
user is talking to; the server's domain when none is chosen), `id` (fresh on every call), and the
services found by discovery, `muc`, `pubsub`, `upload` and `push` (the domain when not found).
Values are XML-escaped, so a JID or a user's text can never inject markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from iqconsole.core.private_files import write_atomically
from iqconsole.core.stanza import StanzaError, new_id, parse_stanzas
from iqconsole.core.substitution import NAME, SubstitutionError, placeholders, substitute, substitute_some

__all__ = [
    "BUILTIN_DIR",
    "STANDARD_VARIABLES",
    "Template",
    "TemplateError",
    "builtin_templates_dir",
    "check_variable_name",
    "discover_templates",
    "fuzzy_rank",
    "load_template",
    "parse_template",
    "render",
    "sample_variables",
    "save_user_template",
    "slugify",
    "standard_variables",
    "variables_of",
]

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates"
SUFFIX = ".xml"

SERVICE_VARIABLES = ("muc", "pubsub", "upload", "push")
STANDARD_VARIABLES = ("jid", "bare", "domain", "resource", "peer", "id", *SERVICE_VARIABLES)
HEADER_FIELDS = ("title", "description", "source", "feature", "peer")
REQUIRED_FIELDS = ("title",)

# Values used to check that a template is well-formed before anyone fills it in.
_SAMPLES = {
    "jid": "me@example.org/console",
    "bare": "me@example.org",
    "domain": "example.org",
    "resource": "console",
    "peer": "peer@example.org/client",
    "id": "sample-id",
    "muc": "conference.example.org",
    "pubsub": "pubsub.example.org",
    "upload": "upload.example.org",
    "push": "push.example.org",
}
_USER_SAMPLE = "sample"

_VARIABLE_NAME = re.compile(rf"^{NAME}$")
_HEADER = re.compile(r"\A\s*<!--(?P<header>.*?)-->", re.DOTALL)
_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*)$")


class TemplateError(ValueError):
    """A template that cannot be loaded, saved or rendered, with a message saying why."""


@dataclass(frozen=True)
class Template:
    """One template: its metadata, the variables it uses and its (unrendered) XML body."""

    name: str
    title: str
    description: str
    source: str
    feature: str
    variables: tuple[str, ...]
    body: str
    path: Path | None = None
    builtin: bool = False
    peer: str = ""

    @property
    def user_variables(self) -> tuple[str, ...]:
        """The variables `standard_variables` does not provide: the user must give them."""
        return tuple(name for name in self.variables if name not in STANDARD_VARIABLES)

    def render(self, variables: Mapping[str, str]) -> str:
        return render(self.body, variables)

    def aimed(self, variables: Mapping[str, str]) -> Template:
        """The template with `variables` written into its body (a chosen `${peer}`), the other
        variables left to be filled when it is sent."""
        body = substitute_some(self.body, variables)
        return replace(self, body=body, variables=variables_of(body))

    def answerers(self, variables: Mapping[str, str]) -> tuple[str, ...]:
        """Who answers the stanza: its `to`; without `to`, the account's bare JID and its server
        (the domain), which handles such a stanza on the account's behalf (roster, blocking,
        carbons, private storage, vCard…); () when the variables do not fill it."""
        try:
            stanzas = parse_stanzas(self.render(variables))
        except (TemplateError, StanzaError):
            return ()
        if not stanzas:
            return ()
        to = stanzas[0].get("to", "")
        if to:
            return (to,)
        return tuple(dict.fromkeys(jid for jid in (variables.get("bare", ""), variables.get("domain", "")) if jid))


# -- variables and rendering ----------------------------------------------------------------


def variables_of(body: str) -> tuple[str, ...]:
    """The sorted, distinct variable names a body uses."""
    return tuple(sorted(set(placeholders(body).names)))


def render(template_body: str, variables: Mapping[str, str]) -> str:
    """Replace every `${name}` by its XML-escaped value and `$$` by `$`.

    Raises TemplateError naming every unknown variable at once, and every '$' that starts
    nothing (a dollar sign is written `$$`).
    """
    try:
        return substitute(template_body, variables)
    except SubstitutionError as error:
        raise TemplateError(str(error)) from None


def standard_variables(
    full_jid: str,
    peer: str | None = None,
    extra: Mapping[str, str] | None = None,
    services: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """jid, bare, domain, resource, peer, a fresh id and the services for the account `full_jid`.

    `peer` falls back to the server's domain, so a template aimed at "an entity" asks the
    server when no other entity is chosen; so does each service `services` (found by
    discovery) does not name. `extra` adds user-defined variables and may override the
    standard ones (an explicit choice wins).
    """
    full_jid = (full_jid or "").strip()
    bare, _, resource = full_jid.partition("/")
    domain = bare.rpartition("@")[2]
    variables = {
        "jid": full_jid,
        "bare": bare,
        "domain": domain,
        "resource": resource,
        "peer": (peer or "").strip() or domain,
        "id": new_id(),
        **{name: (services or {}).get(name) or domain for name in SERVICE_VARIABLES},
    }
    for name, value in (extra or {}).items():
        check_variable_name(name)
        variables[name] = str(value)
    return variables


def check_variable_name(name: str) -> None:
    """Raise TemplateError unless `name` can be written `${name}`."""
    if not _VARIABLE_NAME.match(name):
        raise TemplateError(f"bad variable name {name!r}: use letters, digits and '_', not starting with a digit")


def sample_variables(names: Iterable[str] = ()) -> dict[str, str]:
    """Example values for the standard variables plus `names`, for checking a template."""
    samples = dict(_SAMPLES)
    for name in names:
        samples.setdefault(name, _USER_SAMPLE)
    return samples


# -- loading ----------------------------------------------------------------------------------


def parse_template(text: str, name: str, path: Path | None = None, builtin: bool = False) -> Template:
    """Build a Template from a file's text; raise TemplateError (without the file name)."""
    match = _HEADER.match(text)
    if match is None:
        raise TemplateError("no metadata header: the file must start with <!-- title: … --> before the stanza")
    fields = _parse_header(match.group("header"))
    missing = [key for key in REQUIRED_FIELDS if not fields.get(key)]
    if missing:
        raise TemplateError(f"the header has no {', '.join(missing)}: add a line such as 'title: Ping the server'")
    body = text[match.end() :].strip()
    if not body:
        raise TemplateError("no stanza after the header")
    found = placeholders(body)
    if found.malformed:
        raise TemplateError(str(SubstitutionError((), found.malformed, ())))
    variables = tuple(sorted(set(found.names)))
    try:
        parse_stanzas(render(body, sample_variables(variables)))
    except StanzaError as error:
        raise TemplateError(f"not well-formed XML once variables are filled in: {error}") from None
    return Template(
        name=name,
        title=fields["title"],
        description=fields.get("description", ""),
        source=fields.get("source", ""),
        feature=fields.get("feature", ""),
        variables=variables,
        body=body,
        path=path,
        builtin=builtin,
        peer=fields.get("peer", ""),
    )


def _parse_header(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    current: str | None = None
    for number, line in enumerate(header.splitlines(), start=1):
        if not line.strip():
            continue
        if line[0].isspace():
            if current is None:
                raise TemplateError(f"header line {number}: an indented line must continue a 'key: value' line")
            fields[current] = f"{fields[current]} {line.strip()}".strip()
            continue
        match = _FIELD.match(line.rstrip())
        if match is None:
            raise TemplateError(
                f"header line {number}: expected 'key: value' (keys: {', '.join(HEADER_FIELDS)}), got {line.strip()[:40]!r}"
            )
        key = match.group("key").lower()
        if key in fields:
            raise TemplateError(f"header line {number}: {key!r} is given twice")
        fields[key] = match.group("value").strip()
        current = key
    return fields


def load_template(path: Path | str, builtin: bool = False) -> Template:
    """Read and check one template file; TemplateError messages start with the file name."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TemplateError(f"{path.name}: cannot read it: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TemplateError(
            f"{path.name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): save it as UTF-8"
        ) from None
    try:
        return parse_template(text, path.stem, path, builtin)
    except TemplateError as error:
        raise TemplateError(f"{path.name}: {error}") from None


def builtin_templates_dir() -> Path:
    return BUILTIN_DIR


def _load_dir(directory: Path, builtin: bool, templates: dict[str, Template], errors: list[str]) -> None:
    if not directory.exists():
        return
    if not directory.is_dir():
        errors.append(f"{directory}: not a directory, no templates read from it")
        return
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        if not path.is_file():
            continue
        try:
            templates[path.stem] = load_template(path, builtin)
        except TemplateError as error:
            errors.append(f"{path.parent}/{error}")


def discover_templates(
    user_dir: Path | str | None, builtin_dir: Path | str | None = None
) -> tuple[dict[str, Template], list[str]]:
    """All templates by name (built-ins, then the user's, which override them), sorted by name,
    and one message per file that could not be loaded (those files are skipped)."""
    templates: dict[str, Template] = {}
    errors: list[str] = []
    _load_dir(Path(builtin_dir) if builtin_dir is not None else BUILTIN_DIR, True, templates, errors)
    if user_dir is not None:
        _load_dir(Path(user_dir), False, templates, errors)
    return dict(sorted(templates.items())), errors


# -- saving -----------------------------------------------------------------------------------


def slugify(title: str) -> str:
    """'Ping: my server!' -> 'ping-my-server' (ASCII letters, digits and '-')."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].rstrip("-")


def _header_value(key: str, value: str) -> str:
    value = value.strip()
    if "--" in value:
        raise TemplateError(f"the {key} cannot contain '--' (it would end the XML comment holding the header)")
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return "\n  ".join(lines)


def save_user_template(
    user_dir: Path | str,
    title: str,
    body: str,
    description: str = "",
    source: str = "",
    *,
    feature: str = "",
    peer: str = "",
    overwrite: bool = False,
) -> Path:
    """Write a checked template to `user_dir/<slug of title>.xml`; return its path.

    Refuses (TemplateError) a title without letters or digits, a body that is not well-formed,
    and an existing file unless `overwrite` is true.
    """
    if "\n" in title.strip() or "\r" in title.strip():
        raise TemplateError("the title must fit on one line")
    slug = slugify(title)
    if not slug:
        raise TemplateError(f"the title {title!r} needs letters or digits: they make the file name")
    lines = ["<!--"]
    for key, value in (
        ("title", title),
        ("description", description),
        ("source", source),
        ("feature", feature),
        ("peer", peer),
    ):
        value = _header_value(key, value)
        if value:
            lines.append(f"{key}: {value}")
    lines.append("-->")
    text = "\n".join(lines) + "\n" + body.strip() + "\n"
    directory = Path(user_dir)
    path = directory / f"{slug}{SUFFIX}"
    parse_template(text, slug, path)  # refuse before touching the disk
    if path.exists() and not overwrite:
        raise TemplateError(f"{path.name} already exists in {directory}: choose another title or overwrite it")
    write_atomically(path, text)  # a reader never sees half a template
    return path


# -- fuzzy matching ---------------------------------------------------------------------------

_BOUNDARY_BONUS = 8
_CONSECUTIVE_BONUS = 6
_FIRST_CHAR_BONUS = 4
_GAP_PENALTY = 1
_MATCH_SCORE = 2


def _subsequence_score(term: str, text: str) -> float | None:
    """Best alignment score of `term` as a subsequence of `text` (both lowercase), or None.

    Each matched character scores; starting a word or following the previous match scores
    more; every skipped character between two matches costs a little. O(len(term) * len(text)).
    """
    if not term:
        return 0.0
    negative = float("-inf")
    boundary = [
        j == 0 or not text[j - 1].isalnum() or text[j - 1].isalpha() != text[j].isalpha() for j in range(len(text))
    ]
    previous: list[float] = []
    for k, char in enumerate(term):
        current = [negative] * len(text)
        gapped = negative  # best previous[j'] for j' <= j-2, minus the cost of the gap to j
        for j, letter in enumerate(text):
            if k and j >= 2:
                gapped = max(gapped, previous[j - 2]) - _GAP_PENALTY
            if letter != char:
                continue
            gain = _MATCH_SCORE + (_BOUNDARY_BONUS if boundary[j] else 0)
            if k == 0:
                current[j] = gain + (_FIRST_CHAR_BONUS if j == 0 else 0) - 0.05 * j
            else:
                follow = previous[j - 1] + _CONSECUTIVE_BONUS if j >= 1 else negative
                best = max(follow, gapped)
                if best != negative:
                    current[j] = best + gain
        previous = current
    best = max(previous, default=negative)
    return None if best == negative else best


def _template_score(terms: list[str], template: Template) -> float | None:
    fields = (template.title.lower(), template.source.lower(), template.name.lower())
    haystack = " ".join(fields)
    total = 0.0
    for term in terms:
        scores = [score for score in (_subsequence_score(term, field) for field in fields) if score is not None]
        whole = _subsequence_score(term, haystack)
        if whole is not None:
            scores.append(whole - 2)  # spanning fields counts, a little less
        if not scores:
            return None
        total += max(scores) + _exactness_bonus(term, fields)
    return total


def _exactness_bonus(term: str, fields: tuple[str, ...]) -> float:
    """Typing a whole name, word or prefix beats a scattered subsequence."""
    if term in fields:
        return 40
    words = {word for field in fields for word in re.split(r"[^a-z0-9#]+", field) if word}
    if term in words:
        return 15
    if any(field.startswith(term) for field in fields):
        return 12
    if any(term in field for field in fields):
        return 8
    return 0


def fuzzy_rank(query: str, templates: Iterable[Template] | Mapping[str, Template]) -> list[Template]:
    """The templates whose title, source or name contain every word of `query` as a
    subsequence, best first (an empty query gives all, by title)."""
    items = list(templates.values()) if isinstance(templates, Mapping) else list(templates)
    terms = query.lower().split()
    if not terms:
        return sorted(items, key=lambda template: (template.title.lower(), template.name))
    scored = []
    for template in items:
        score = _template_score(terms, template)
        if score is not None:
            scored.append((-score, len(template.title), template.title.lower(), template.name, template))
    scored.sort(key=lambda row: row[:4])
    return [row[-1] for row in scored]
