"""Article text -> paragraphs and sentences that keep their offsets into the original text."""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from index.errors import ArticleError

DEFAULT_MAX_BYTES = 2_000_000

# Trailing calls to action that news sites append; dropped only at the end of the text.
_BOILERPLATE = re.compile(
    r"\b(subscribe|newsletter|sign up|inbox|follow us|share this|all rights reserved|"
    r"copyright|©|advertisement|click here|read more)\b",
    re.IGNORECASE,
)
_BOILERPLATE_MAX_WORDS = 25
PLAIN_HEADING_MAX_CHARS = 120
DATE_LINE_MAX_CHARS = 40  # "12 May 2026", "Updated March 3, 2026 at 9:14 a.m."

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt",
    "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "inc", "ltd", "co", "corp", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "approx", "fig", "vol", "p", "pp",
}  # fmt: skip
_CLOSERS = "\"'”’)]»"
# A sentence ends at . ! ? or … (plus closing quotes) followed by space and a likely sentence start.
_BOUNDARY = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s+[\"'“‘(\[«A-Z0-9])")
# A citation stays citation-sized even in a text without sentence punctuation: a longer run is
# cut at the last clause break (; : then , then a space) in the second half of the window.
MAX_SENTENCE_CHARS = 400
_SOFT_BREAKS = (re.compile(r"[;:]\s"), re.compile(r",\s"), re.compile(r"\s"))
_PARAGRAPH_BREAK = re.compile(r"\r?\n[ \t]*\r?\n\s*")
_BIO = re.compile(
    r"^\s*([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3})\s+(?:is|was)\s+(?:a|an|the)\s+[^.]*?\b"
    r"(writer|author|journalist|reporter|columnist|correspondent|editor|historian|analyst|professor|"
    r"fellow|researcher|scholar|economist|lecturer|director|contributor|commentator|novelist|critic)\b"
)
_DATE_WORDS = re.compile(
    r"(?i)\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?|mon(day)?|tue(sday)?|wed(nesday)?|thu(rsday)?|fri(day)?|"
    r"sat(urday)?|sun(day)?|updated|published|posted|on|at|am|pm|a\.m|p\.m|gmt|utc|bst|est|edt|cet|cest|pst|pdt)\b|"
    r"\d+(st|nd|rd|th)?|[\s,./:–-]"
)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BYLINE = re.compile(r"^\s*(?:\*{1,2}|_)?\s*by\s+([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})", re.I)


@dataclass(frozen=True)
class Sentence:
    """One sentence; ``start``/``end`` index the original article text."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph numbered from 1 as a reader counts them; ``kind`` is body, heading or byline."""

    number: int
    start: int
    end: int
    text: str
    kind: str = "body"
    sentences: tuple[Sentence, ...] = field(default=())


@dataclass(frozen=True)
class Article:
    """A parsed article. ``text`` is the original, offsets in every part point into it."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    source: str = "article"  # a name to show: the file name
    location: str | None = None  # where it was read from (resolved path): one index line per file
    title: str | None = None
    author: str | None = None

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def body(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.kind == "body"]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def default_article_path() -> Path:
    """Path of the article shipped as package data."""
    return Path(str(resources.files("index") / "data" / "article.txt"))


def read_article(path: str | Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read and parse an article file (UTF-8 text or Markdown); ``None`` means the default."""
    path = Path(path) if path else default_article_path()
    too_large = f"over the limit of {max_bytes:,} bytes; split it or raise ARTICLE_CHAT_MAX_ARTICLE_BYTES"
    try:
        # Look before reading: a FIFO would block forever and /dev/zero never ends.
        info = path.stat()
        if not stat.S_ISREG(mode := info.st_mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device"
            raise ArticleError(f"article {path} is {kind}, not a regular file; give a text file")
        if info.st_size > max_bytes:
            raise ArticleError(f"article {path} is {info.st_size:,} bytes, {too_large}")
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise ArticleError(f"article file not found: {path}") from None
    except OSError as exc:
        raise ArticleError(f"cannot read article {path}: {exc.strerror}") from None
    if len(raw) > max_bytes:
        raise ArticleError(f"article {path} is {too_large}")
    if b"\x00" in raw:
        raise ArticleError(f"article {path} looks binary (it has NUL bytes); give a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"article {path} is not UTF-8 (bad byte at {exc.start})") from None
    return replace(parse_article(text, source=path.name), location=str(path.resolve()))


def parse_article(text: str, *, source: str = "article") -> Article:
    """Split ``text`` into numbered paragraphs and sentences, dropping trailing boilerplate."""
    spans = _split_label_lines(text, _paragraph_spans(text))
    spans = _drop_trailing_boilerplate(text, spans)
    if not spans:
        raise ArticleError(f"article {source} has no text")
    paragraphs: list[Paragraph] = []
    title = author = None
    sentence_index = 0
    for number, (start, end) in enumerate(spans, start=1):
        chunk = text[start:end]
        kind = "body"
        if _MD_HEADING.match(chunk) and "\n" not in chunk.strip():
            kind = "heading"
            title = title or _MD_HEADING.sub("", chunk).strip(" #")
        elif number <= 3 and len(chunk) < 120 and (match := _BYLINE.match(chunk)):
            kind = "byline"
            author = author or match.group(1).strip()
        elif not re.search(r"\w", chunk):
            kind = "separator"  # "---", "* * *": nothing to cite
        elif _is_plain_heading(chunk) or number <= 4 and _is_date_line(chunk):
            kind = "heading"
            title = title or (chunk.strip() if number == 1 else None)
        if kind == "body":
            spans = split_sentences(text, start, end)
        elif kind in {"heading", "byline"}:
            # The heading or byline is one citable line, without its Markdown marker.
            marker = _MD_HEADING.match(chunk)
            spans = [(start + marker.end(), end)] if marker else [(start, end)]
        else:
            spans = []
        found = []
        for s_start, s_end in spans:
            found.append(Sentence(sentence_index, number, s_start, s_end, text[s_start:s_end]))
            sentence_index += 1
        sentences = tuple(found)
        paragraphs.append(Paragraph(number, start, end, chunk, kind, sentences))
    if not any(p.sentences for p in paragraphs if p.kind == "body"):
        raise ArticleError(f"article {source} has no sentences to answer from")
    author = author or _author_from_bio(paragraphs)
    return Article(text=text, paragraphs=tuple(paragraphs), source=source, title=title, author=author)


def _is_plain_heading(chunk: str) -> bool:
    """A short line with no sentence end ("Economy", "Nurses Strike as Talks Collapse"): a title
    or section heading in a plain-text article."""
    line = chunk.strip()
    return (
        "\n" not in line
        and len(line) <= PLAIN_HEADING_MAX_CHARS
        and not re.search(r"[.!?:;,\"”’)]$", line)
        and line.lstrip("\"'“‘([").strip()[:1].isupper()
    )


def _is_date_line(line: str) -> bool:
    """A dateline of its own: "12 May 2026", "Updated 3/4/2026 09:14"."""
    line = line.strip()
    if "\n" in line or len(line) > DATE_LINE_MAX_CHARS or not _YEAR.search(line):
        return False
    return not re.sub(_DATE_WORDS, "", line).strip(" \t,./:-–")  # nothing but the date


def _author_from_bio(paragraphs: list[Paragraph]) -> str | None:
    """Op-eds often end with the author's bio: "Jane Doe is a historian and ..."."""
    body = [p for p in paragraphs if p.kind == "body"]
    for paragraph in body[-2:]:
        match = _BIO.match(paragraph.text)
        if match:
            return match.group(1)
    return None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = [t for s, e in spans if (t := _trim(text, s, e))]
    return [t for s, e in trimmed for piece in _cap(text, s, e) if (t := _trim(text, *piece))]


def _cap(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most ``limit`` characters, cut at clause breaks."""
    pieces = []
    while end - start > limit:
        cut = start + limit
        for pattern in _SOFT_BREAKS:
            breaks = [m.end() for m in pattern.finditer(text, start + limit // 2, start + limit)]
            if breaks:
                cut = breaks[-1]
                break
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _is_abbreviation(text: str, sentence_start: int, period: int) -> bool:
    if text[period] != ".":
        return False
    word = re.search(r"([\w.'’]+)$", text[sentence_start:period])
    if not word:
        return False
    token = word.group(1)
    if "'" in token or "’" in token:
        return False  # "St. Brigid's." ends a sentence: the "s" is no initial
    # Initials and dotted acronyms: "U.S.", "W.", "a.m."
    if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", token) and (len(token) == 1 or "." in token):
        return True
    if token.lower() == "no":
        return text[period + 1 : period + 3].strip()[:1].isdigit()  # "No. 10", but "said no. Then"
    return token.lower() in _ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    cursor = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, len(text)))
    return [t for s, e in spans if (t := _trim(text, s, e))]


def _split_label_lines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A headline with its byline (or date) on the next line, no blank line between: one
    paragraph each, as if they had been set apart, so neither is read as a sentence of the body."""
    out: list[tuple[int, int]] = []
    for number, (start, end) in enumerate(spans, start=1):
        lines = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\n]+", text[start:end])]
        labels = (
            number <= 3
            and len(lines) > 1
            and all(
                _MD_HEADING.match(line := text[s:e])
                or _BYLINE.match(line)
                or _is_plain_heading(line)
                or _is_date_line(line)
                for s, e in lines
            )
        )
        out.extend(t for s, e in lines if (t := _trim(text, s, e))) if labels else out.append((start, end))
    return out


def _drop_trailing_boilerplate(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop short call-to-action paragraphs (subscribe, share, copyright) from the end."""
    spans = list(spans)
    while len(spans) > 1:
        chunk = text[slice(*spans[-1])]
        short = len(chunk.split()) <= _BOILERPLATE_MAX_WORDS
        if short and (_BOILERPLATE.search(chunk) or not re.search(r"[A-Za-z]{2}", chunk)):
            spans.pop()
        else:
            break
    return spans
