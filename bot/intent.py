"""Questions about the article as a whole: its point, proposals, summary, critics, comparisons,
evidence, definitions, author and people. Reads the question only; ``bot.whole_article`` answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.lists import ORDINALS
from bot.text import STOPWORDS, normalize, stem, words

DEFAULT_POINTS = 3
MAX_POINTS = 10
MAX_TARGET_WORDS = 4  # "the United States", "the city council": whom a proposal is for
_NUMBERS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)}

_DOCUMENT = (
    r"(?:article|author|writer|essay|piece|op-?ed|text|story|column|report|entry|passage|interview|"
    r"feature|profile|reading|review|reviewer|columnist|essayist)"
)
_AUTHOR = re.compile(
    r"\bwho\b.{0,20}\b(wrote|writes|written|authored|penned)\b|\bwho is the (author|writer)\b|"
    r"\b(author|writer)'?s? name\b|\bwho('s| is) (it|this|the article) by\b|\bbyline\b|"
    # who the author is: "What does the author do for a living?", "What is the writer's job?"
    r"\b(author|writer)\W+(do|does|did) for a living\b|\bwhat (does|did) the (author|writer) do\W*$|"
    r"\b(author|writer)(’s|'s)? (job|profession|occupation|background|day job|expertise)\b",
    re.IGNORECASE,
)
# Forms that ask for one fact, whatever else the question mentions.
_DETAIL = re.compile(
    r"\b(when|where|whom|how (many|much|long|old|often|far)|what (year|date|day|time|number|percentage|"
    r"name)|(in|by|to|of|for|from|with) what|would happen)\b|\bwhat\W*$",
    re.IGNORECASE,
)
_PERSON = re.compile(r"\b(he|she|him|his|her|hers|they|them|their)\b", re.IGNORECASE)
# "Who is quoted?", "Who are the main people in the story?", "Which experts does the article cite?"
_PEOPLE = re.compile(
    rf"\bwho(m)? (is|are|gets?|was|were|does the {_DOCUMENT}) "
    r"(quoted|cited|interviewed|quote|cite|interview)\b|"
    rf"\bwho (speaks|talks|is speaking)\b.*\b{_DOCUMENT}\b|"
    r"\b(which|what) (people|persons|experts|sources|officials|voices|characters)\b|"
    r"\bwho are the (main |key |important |other )?(people|characters|figures|players|persons|sources)\b|"
    r"\bwho (is|are) (involved|mentioned|featured)\b|"
    r"\b(main|key|important) (people|characters|figures|players)\b",
    re.IGNORECASE,
)
# "What are the key terms?", "Which words does the article define?": every definition it gives.
_TERMS = re.compile(
    r"^\W*(what|which|list|give me|name)\b.{0,30}\b(terms|vocabulary|jargon|definitions|concepts|words)\b"
    r"(?!.*\b(mean|means)\b)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\b(quot\w*|cit\w*|interview\w*|speak\w*|talk\w*|sources?|voices?|experts?)\b", re.I)
_DEFINITION = re.compile(
    r"^\W*what (?:does|do|did) (?:the (?:term|word|phrase|expression) )?(?P<a>(?!the "
    + _DOCUMENT
    + r"\b).+?) mean\b|\bwhat is meant by (?P<b>.+?)\W*$|\bmean by (?P<c>.+?)\W*$|^\W*define (?P<d>.+?)\W*$|"
    r"\bdefinition of (?P<e>.+?)\W*$|\bhow (?:does|do) (?:the )?" + _DOCUMENT + r" define (?P<f>.+?)\W*$",
    re.IGNORECASE,
)
# "What is terra preta?": a definition only when the article defines exactly that.
_WHAT_IS = re.compile(r"^\W*what (?:is|are|was|were) (?P<term>[^?]{2,60}?)\W*$", re.IGNORECASE)
# "How does a lift house work?", "Explain how the levy works": what the article says X is, when
# it defines exactly X.
_HOW_WORKS = re.compile(
    r"^\W*(?:explain |tell me )?how (?:does|do|did|would) (?:an? |the )?(?P<term>[^?]{2,60}?) work\W*$"
    r"|^\W*explain how (?:an? |the )?(?P<term2>[^?]{2,60}?) works?\W*$",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(compar\w*|analog\w*|parallels?|likens?|likened|similarit\w*|reminiscent)\b", re.I
)
_COUNTER = re.compile(
    r"\b(counter-? ?arguments?|counter-? ?points?|counter-? ?claims?|objections?|opposing|"
    r"opposite (view|side)s?|"
    r"opposition|opponents?|critics?|criticisms?|critiques?|skeptics?|sceptics?|other side|dissent\w*|"
    r"rebuttals?|disagree\w*|alternative (views?|explanations?)|arguments? against|case against|pushback|"
    r"debate|controvers(y|ies|ial))\b",
    re.IGNORECASE,
)
# "Does everyone agree with her?", "Do other historians agree?": who does not, even of someone named.
_OTHERS_AGREE = re.compile(
    r"\b(does|do|did) (every|any)(one|body)( else)? agree\b|\b(do|did) (others|other \w+) agree\b", re.I
)
_EVIDENCE = re.compile(
    r"\b(evidence|proof|prove|data|statistics|facts|examples|studies|research)\b|"
    r"\b(support|supports|back up|backs up|justify|justifies)\b.{0,30}"
    r"\b(argument|claim|thesis|point|case|view)",
    re.IGNORECASE,
)
_RECOMMENDATION = re.compile(
    r"\b(recommend\w*|propos\w*|suggest(s|ed|ion|ions)?|advocat\w*|calls? for|urg(e|es|ing)|solutions?|"
    r"remed(y|ies)|way forward|course of action|what (should|must|ought)\b|needs? to (be done|happen)|"
    r"(want|wants|wish|wishes|hope|hopes) .{0,40}\bto\b|think .{0,30}should|policy)\b",
    re.IGNORECASE,
)
_THESIS = re.compile(
    r"\b(main|central|key|core|overall|basic|primary|principal|chief|big|underlying) "
    r"(argument|point|claim|idea|thesis|message|contention|conclusion|theme|takeaway|thrust|premise|position|lesson|"
    r"finding|result|story|news)s?\b|\bthesis\b|"
    # "What does the reviewer think of the book?", "What is the critic's verdict?"
    r"\bwhat (does|did) the " + _DOCUMENT + r" (think|make) (of|about)\b|\bverdict on (the|this) \w+\W*$|"
    r"\b" + _DOCUMENT + r"('s|s)? verdict\b|"
    # "What did the study find?", "What were the findings?"
    r"^\W*what (did|does|do) (the|this) (study|research|trial|survey|researchers|scientists) (find|show)\W*$|"
    r"^\W*what (are|were|is|was) (the|its|their) (findings|results)\W*$|"
    # "the article's point", "the essay's message"; a "text message" is an SMS
    r"\b(?!texts? messages?\b)"
    + _DOCUMENT
    + r"('s|s)? (argument|point|claim|position|stance|view|case|message|"
    r"conclusion)\b|"
    r"\bwhat (does|is) the " + _DOCUMENT + r" (argu\w+|claim\w*|contend\w*|trying to say|getting at|"
    r"conclud\w*|saying)\W*$|\bwhat('s| is) the point\b|\b(trying|try|want|wants) to (convince|persuade)\b|"
    r"\bpoint of (the|this) " + _DOCUMENT + "|"
    # "What is the author's opinion?", "What is the conclusion?", "What is the dispute about?"
    r"\b" + _DOCUMENT + r"('s|s)? (opinion|views?|stance|position|perspective)\b|"
    r"^\W*what('s| is| was) the (conclusion|takeaway|moral|bottom line|conflict|dispute)"
    r"( about| here| in (the|this) " + _DOCUMENT + r")?\W*$",
    re.IGNORECASE,
)
_SUMMARY = re.compile(
    r"\b(summar\w+|sum (it |this |that )?up|overview|gist|tl;? ?dr|recap|synopsis|nutshell|key points|"
    r"main points|takeaways|outline|bullet points?|bullets)\b|"
    r"^\W*what('s| is| was)\s+(this|it|the)\s*"
    + _DOCUMENT
    + r"?\s+(all|mainly|mostly|really|basically|primarily|chiefly|generally)?\s*about\W*$|"
    r"\bwhat (is|was) the (main |general )?(topic|subject|theme) of\b",
    re.IGNORECASE,
)
# "What happens next?" as a conversation's first question: what the article says comes next.
_NEXT = re.compile(
    r"^\W*(?:so |and )?(?:what (?:happens|will happen|comes|is going to happen) (?:next|now)"
    r"|what(?:'s| is) next|what are the next steps)(?: (?:in|for|with) (?:this|the) (?:case|story|dispute|"
    r"process|project|plan|matter|saga)| for (?:both|each|all|the|all the) \w+)?\W*$",
    re.IGNORECASE,
)
_POINTS = re.compile(
    r"\b(?:in|into|with|as|give me|list)?\s*(?P<n>\d{1,2}|" + "|".join(_NUMBERS) + r")\s+"
    r"(?:short |brief |key |main )?"
    r"(?P<unit>bullet points?|bullets?|points?|sentences?|lines?|items?|takeaways?)\b",
    re.IGNORECASE,
)
# "How does the author answer the critics?" asks for the author's reply, not the objection itself.
_RESPONSE = re.compile(
    r"\b(answers?|answered|respond\w*|repl(y|ies|ied)|rebut\w*|refut\w*|counter(s|ed)?|address(es|ed)?|"
    r"deals? with|dealt with|handles?|handled|dismiss\w*|tackles?|tackled)\b(?!\s+(?:by|from)\b)",
    re.IGNORECASE,
)
_HOW_AUTHOR = re.compile(rf"^\W*how (?:does|do|did) (?:the |this )?{_DOCUMENT}\b", re.IGNORECASE)
_RESPONSE_NOUN = re.compile(
    rf"\b(response|reply|replies|rebuttal|answer)s?\s+to\b|"
    rf"\b{_DOCUMENT}(?:’s|'s) (response|reply|answer|rebuttal)\b",
    re.IGNORECASE,
)
# "the author's second recommendation", "the last objection": one item of a list.
_ORDINAL = re.compile(rf"\b({'|'.join(ORDINALS)})\b", re.IGNORECASE)
_WANTS_BULLETS = re.compile(r"\b(bullets?|points|list|takeaways|outline)\b", re.IGNORECASE)
# "What does the author want the U.S. to do?": whom the proposal is for.
_TARGET = re.compile(
    r"\bwants? (?P<a>.+?) to (?:do|\w+)\b|\bwhat should (?P<b>.+?) do\b|"
    r"\b(?:recommend\w*|propos\w*|suggest\w*) (?:for|to) (?P<c>.+?)\W*$",
    re.IGNORECASE,
)
# A proposal for "us" or "readers" is for everyone: no filter.
_EVERYONE = {"we", "us", "you", "people", "readers", "reader", "everyone", "anyone", "one", "the reader"}

# Words that frame a whole-article question; anything else names a topic.
_FRAME = {
    stem(w)
    for w in """terms term vocabulary jargon definitions concepts words define defines defined list name
    opinion view views stance position perspective conclusion takeaway moral bottom line
    conflict dispute solution solutions remedy remedies proposal proposals proposed
    quoted quote quotes cited interviewed interview speaks speaking talks people persons experts
    sources officials voices characters figures players involved featured important other
    what who whom which why how is are was were be been do does did done the a an of to in on
    for about this that these those it its article author writer text essay piece op ed oped column story
    interview feature profile reading review reviewer columnist essayist verdict
    match game final race contest book novel film movie play production show album concert exhibition
    ruling judgment
    report entry passage main central key core overall basic primary principal chief big underlying
    argument arguments argue argues point points claim claims idea ideas thesis message contention
    conclusion conclude theme takeaway takeaways thrust premise position stance view views opinion case
    lesson finding findings find result results
    summarize summarise summary sum up overview gist recap synopsis nutshell outline brief briefly
    short quick give me please list bullet bullets sentence sentences line lines item items one two
    three four five six seven eight nine ten recommend recommends recommendation recommendations propose
    proposes proposal proposals suggest suggests suggestion suggestions advocate advocates call calls
    urge urges want wants wish hope think believe believes should must ought need needs happen solution
    solutions remedy way forward course action policy steps counterargument counterarguments counterpoint
    counterpoints counterclaim counter objection objections opposing opposite oppose opposes opposition
    opponent opponents critic critics criticism criticisms critique critiques skeptic skeptics sceptics
    other side sides dissent dissenting rebuttal rebuttals disagree disagrees disagreement alternative
    alternatives debate controversy controversies controversial agree agrees agreed everyone else others
    historians historian scholars researchers analysts observers commentators writers
    against evidence proof prove support supports back backs data statistics facts
    example examples study studies research use uses give gives offer offers provide provides cite
    cites present presents mention mentions say says said tell tells explain explains describe
    comparison comparisons compare compares compared analogy analogies parallel parallels liken likens
    similar similarity draw draws make makes made according trying get getting at he she they his her
    their them you we us our i my me all whole general generally basically really actually exactly
    mainly mostly justify justifies can could would will tl dr topic subject mean means meant define
    definition term word phrase expression by answer answers respond responds address addresses raise
    raises rebut rebuts deal deals with handle handles tackle tackles trying try convince persuade response
    responses reply replies anyone anybody someone somebody everyone everybody""".split()
} | {stem(w) for w in ORDINALS}


@dataclass(frozen=True)
class WholeQuestion:
    """A question about the article as a whole, read once."""

    # thesis, recommendation, summary, counter, comparison, evidence, definition, terms, author,
    # people, next
    kind: str
    topic: tuple[str, ...] = field(default=())  # what the question narrows it to ("Lebanon")
    points: int = DEFAULT_POINTS  # a summary's length
    bullets: bool = False
    target: str = ""  # whom a proposal is for ("the U.S.")
    term: str = ""  # what a definition question asks about
    loose: bool = False  # "What is X?": a definition only if the article defines exactly X
    item: int | None = None  # "the second recommendation": which one (-1 the last)
    response: bool = False  # "How does the author answer the objections?": the replies to them
    by_author: bool = False  # "What does the author recommend?", not "What should the council do?"
    quoted: bool = False  # "Who is quoted?": the people whose words it gives, not all it names


def read_whole_question(question: str) -> WholeQuestion | None:
    """The whole-article question ``question`` asks, or None for a question about a detail."""
    text = normalize(question).strip()
    if _AUTHOR.search(text):
        return WholeQuestion("author")
    if _NEXT.match(text):
        return WholeQuestion("next")
    if _TERMS.search(text) and not _DEFINITION.search(text):
        return WholeQuestion("terms", topic=topic_words(text))
    if _PEOPLE.search(text):
        return WholeQuestion("people", topic=topic_words(text), quoted=bool(_QUOTED.search(text)))
    if _OTHERS_AGREE.search(text):
        return WholeQuestion("counter", topic=topic_words(_PERSON.sub(" ", text)))
    if _PERSON.search(text) and not re.search(rf"\b{_DOCUMENT}", text, re.I):
        return None  # "What is his main argument?" asks about someone the conversation named
    if _DETAIL.search(text):
        return None  # "In what year was the war the author compares Iraq to?" wants one fact
    if match := _DEFINITION.search(text):
        term = next(g for g in match.groups() if g)
        return WholeQuestion("definition", topic=topic_words(term), term=term)
    if _COMPARISON.search(text):
        return WholeQuestion("comparison", topic=topic_words(text))
    item = _item(text)
    if _COUNTER.search(text):
        response = _asks_response(text)
        return WholeQuestion("counter", topic=topic_words(text), item=item, response=response)
    if _EVIDENCE.search(text) and re.search(
        rf"\b{_DOCUMENT}|^\W*what (evidence|proof|data|facts)", text, re.I
    ):
        return WholeQuestion("evidence", topic=topic_words(text))
    if _RECOMMENDATION.search(text) and (
        re.search(rf"\b{_DOCUMENT}\b", text, re.I)
        or re.search(r"\bwhat should\b|^\W*what (solutions?|remed(y|ies)|proposals?) ", text, re.I)
        or item
    ):
        target = _target(text)
        by_author = bool(re.search(rf"\b{_DOCUMENT}\b", text, re.I))
        return WholeQuestion(
            "recommendation", topic=topic_words(text), target=target, item=item, by_author=by_author
        )
    if _THESIS.search(text):
        by_author = bool(
            re.search(r"\b(author|writer)('s|s)? (opinion|views?|stance|position|perspective)", text, re.I)
        )
        return WholeQuestion("thesis", topic=topic_words(text), by_author=by_author)
    if _SUMMARY.search(text) or _POINTS.search(text):
        points = _POINTS.search(text)
        count = DEFAULT_POINTS
        if points:
            raw = points.group("n").lower()
            count = max(1, min(MAX_POINTS, int(raw) if raw.isdigit() else _NUMBERS[raw]))
        bullets = bool(points) or bool(_WANTS_BULLETS.search(text))
        return WholeQuestion("summary", topic=topic_words(text), points=count, bullets=bullets)
    if match := _WHAT_IS.match(text) or _HOW_WORKS.match(text):
        term = next(g for g in match.groups() if g)
        if topic_words(term):
            return WholeQuestion("definition", topic=topic_words(term), term=term, loose=True)
    return None


# "Why?", "How so?", "Can you give an example?" after the main argument: what supports it.
_SUPPORT = re.compile(
    r"^\W*(why|how so|why so|why is that|why\s+(does|do|would) (he|she|they|the author|the writer) "
    r"(think|say|argue|believe) (so|that)|(can you |could you )?(give|show)( me| us)? (an |some )?examples?|"
    r"(any |an )?examples?|for (example|instance)|(what is|what's|where is|where's) the (evidence|proof)|"
    r"(any )?(evidence|proof))\W*$",
    re.IGNORECASE,
)


def asks_support(question: str) -> bool:
    """ "Why?", "How so?", "Any examples?": what backs up the claim just given."""
    return bool(_SUPPORT.match(normalize(question).strip()))


def asks_reply(question: str) -> bool:
    """ "How does the author answer it?", "What is the writer's response?": a reply to something
    the conversation has named, with no topic of its own."""
    text = normalize(question).strip()
    return _asks_response(text) and not topic_words(re.sub(r"\b(it|that|this|them|those)\b", " ", text))


def _asks_response(text: str) -> bool:
    how = _HOW_AUTHOR.match(text) and _RESPONSE.search(_COUNTER.sub(" ", text))
    return bool(how or _RESPONSE_NOUN.search(text))


def _item(text: str) -> int | None:
    match = _ORDINAL.search(text)
    return ORDINALS[match.group(1).lower()] if match else None


def topic_words(text: str) -> tuple[str, ...]:
    """The question's own subject words: neither framing ("main argument") nor stopwords."""
    return tuple(
        dict.fromkeys(w for w in words(text) if w not in STOPWORDS and len(w) > 1 and stem(w) not in _FRAME)
    )


def _target(text: str) -> str:
    match = _TARGET.search(text)
    if not match:
        return ""
    target = next(g for g in match.groups() if g).strip()
    if len(target.split()) > MAX_TARGET_WORDS:
        return ""  # "What should the U.S. stop trying to do?" asks about one proposal
    target = re.sub(rf"^(the )?{_DOCUMENT}\s+(want|wants|think|thinks)\s+", "", target, flags=re.I)
    return "" if target.lower() in _EVERYONE else target


def is_author_question(question: str) -> bool:
    """ "Who wrote this?", "Who is the author?"."""
    return bool(_AUTHOR.search(normalize(question)))


def is_gist_question(question: str) -> bool:
    """A question about the article as a whole ("What is this article about?", "Summarize it",
    "What does the author propose?"), which asks about the text, not for a new task."""
    whole = read_whole_question(question)
    return whole is not None and not whole.loose
