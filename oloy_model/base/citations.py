"""Citations in user-facing text: one syntax, and a check that every citation resolves.

Syntax (documented in ``docs/methods.md#sources-and-citations`` and in the schema help of
``scenario.rationale``):

- ``[source: id]`` or ``[source: id1, id2]``: rows of ``data/sources.csv`` (its ``source_id``
  column), which give the citation, location, version, licence and quality of each source.
  ``[source: assumption]`` marks a value chosen where no source exists.
- ``docs/<file>.md#<anchor>``: a section of the project's own documentation; the anchor is the
  GitHub-style anchor of a heading of that file (:func:`github_anchor`).
- A public reference written out: a publication (authors, year, journal, ``doi:...``) or an
  ``http(s)://`` address.

A citation resolves to nothing when it names an unknown source id or a missing docs file or
anchor, points outside the repository (``../``, an absolute local path, ``shared/``) or cites
the project's internal data brief, which users do not have. :func:`find_problems` lists them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

SOURCE_CITATION = re.compile(r"\[source:\s*([^\]]*)\]")
DOCS_REFERENCE = re.compile(r"(?<![\w./-])(docs/[\w./-]+?\.md)(?:#(<[\w ]+>|[\w-]*))?(?![\w/-]|\.\w)")
PLACEHOLDER = re.compile(r"<[\w ]+>")  # [source: <id>], docs/methods.md#<anchor>: syntax shown in documentation
MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")
OUTSIDE = {
    "cites the data brief (not part of the project)": re.compile(r"data[ _-]?brief", re.IGNORECASE),
    "points to shared/ (outside the repository)": re.compile(r"(?<![\w./-])shared/"),
    # A path into a folder or file above the repository (``../shared/x``, ``../design.md``);
    # bare ``..`` or ``../name`` (e.g. attack cases quoted in docs/robustness.md) cite nothing.
    "points above the repository (../)": re.compile(r"(?<![\w.])\.\./(?:\.\./)*[\w-]+(?:/|\.\w+)"),
    "names a local absolute path": re.compile(r"(?<![\w.:/~-])(?:/(?:work|home|tmp|Users|mnt|root|opt)/|[A-Z]:\\)"),
}
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def source_ids(citation: str) -> list[str]:
    """The ids inside one ``[source: ...]`` body, split on commas or semicolons."""
    return [part.strip() for part in re.split(r"[,;]", citation) if part.strip()]


def cited_source_ids(text: str) -> list[str]:
    """Every source id cited with ``[source: ...]`` in ``text``, in order of first mention."""
    found = [sid for body in SOURCE_CITATION.findall(text) for sid in source_ids(body)]
    return list(dict.fromkeys(found))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to ``-``.

    Link text is kept and link targets dropped; backticks and other punctuation vanish
    (GitHub's ``[^\\p{Word}\\- ]`` rule), so ``Fertility (`oloy_model.demography.fertility`)`` becomes
    ``fertility-oloy_modelfertility``.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def markdown_anchors(markdown: str) -> set[str]:
    """Anchors of every heading of a Markdown text (outside code fences); repeats get ``-1``, ``-2``."""
    anchors: set[str] = set()
    counts: dict[str, int] = {}
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            anchor = github_anchor(match.group(2))
            anchors.add(anchor if anchor not in counts else f"{anchor}-{counts[anchor]}")
            counts[anchor] = counts.get(anchor, 0) + 1
    return anchors


def _docs_problems(document: str, anchor: str | None, doc_anchors: Mapping[str, set[str]]) -> str | None:
    if document not in doc_anchors:
        return f"Markdown file {document!r} does not exist in the repository"
    if anchor is not None and anchor not in doc_anchors[document]:
        return f"no heading with anchor #{anchor} in {document}"
    return None


def find_problems(text: str, where: str, *, known_ids: Iterable[str],
                  doc_anchors: Mapping[str, set[str]], link_base: str | None = None) -> list[str]:
    """Citations in ``text`` that resolve to nothing, one message each (empty when all resolve).

    Parameters
    ----------
    text : str
        The user-facing text (a rationale, a Markdown file, a CSV file, a report).
    where : str
        Named in each message (file name, scenario name).
    known_ids : iterable of str
        The ``source_id`` column of ``data/sources.csv``.
    doc_anchors : mapping of str -> set of str
        Every Markdown file of the repository (path relative to its top, e.g.
        ``"docs/methods.md"``) -> the anchors of its headings (:func:`markdown_anchors`).
    link_base : str or None
        Folder (relative to the repository) that relative Markdown links in ``text`` start
        from: ``"docs"`` for a file in docs/, ``""`` for the top level. None skips links, for
        text that does not live in the repository (a report).
    """
    known = set(known_ids)
    problems = []
    for body in SOURCE_CITATION.findall(text):
        ids = source_ids(body)
        if not ids:
            problems.append(f"{where}: empty citation [source: {body}]")
        problems += [f"{where}: unknown source_id {sid!r} in [source: {body}] (not in data/sources.csv)"
                     for sid in ids if sid not in known and not PLACEHOLDER.fullmatch(sid)]
    for match in DOCS_REFERENCE.finditer(text):
        anchor = match.group(2)
        problem = _docs_problems(match.group(1), None if anchor and PLACEHOLDER.fullmatch(anchor) else anchor,
                                 doc_anchors)
        if problem:
            problems.append(f"{where}: {match.group(0)}: {problem}")
    if link_base is not None:
        problems += _link_problems(text, where, link_base, doc_anchors)
    for message, pattern in OUTSIDE.items():
        problems += [f"{where}: {message}: ...{text[max(0, m.start() - 30):m.end() + 30]!r}..."
                     for m in pattern.finditer(text)]
    return problems


def _link_problems(text: str, where: str, base: str, doc_anchors: Mapping[str, set[str]]) -> list[str]:
    """Relative Markdown links to Markdown files and anchors (addresses and other files are skipped)."""
    problems = []
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:, doi:
            continue
        path, _, anchor = target.partition("#")
        document = _join("" if path.startswith("/") else base, path) if path else where
        if document.endswith(".md"):
            problem = _docs_problems(document, anchor or None, doc_anchors)
            if problem:
                problems.append(f"{where}: link ({target}): {problem}")
    return problems


def _join(base: str, path: str) -> str:
    parts = [p for p in base.split("/") if p]
    for part in path.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)
