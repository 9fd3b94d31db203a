"""The `article-chat` command: index, ask, eval, serve. Errors become one line and an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.errors import ArticleChatError, ArticleError, InputError
from index.catalog import check_name
from index.errors import ReadingNameError, UnknownReading
from ui.settings import Settings

EXIT_USAGE = 2  # bad input: the user can fix it
EXIT_FAILURE = 1  # the index, model or server is unusable


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="article-chat", description="Chat with one article: cited answers from its own text."
    )
    _add_global_options(parser, default=None)
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or refresh the index of the article")
    index.add_argument("path", nargs="?", type=Path, help="article file (overrides --article)")
    index.add_argument(
        "--rebuild", action="store_true", help="rebuild even if up to date; moves a broken index aside"
    )
    index.add_argument(
        "--name", help="add or update the reading NAME (a short slug) instead of the default reading"
    )

    listing = commands.add_parser("list", help="list the indexed readings")
    remove = commands.add_parser("remove", help="remove an indexed reading and its index")
    remove.add_argument("name")

    ask = commands.add_parser("ask", help="answer a question about the article")
    ask.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument("--jsonl", action="store_true", help='read {"messages": [...]} lines from stdin')
    ask.add_argument("--reading", help="ask the indexed reading NAME (see `article-chat list`)")

    evaluate = commands.add_parser("eval", help="score answers on a question set (JSONL)")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--reading", help="score the indexed reading NAME")

    serve = commands.add_parser("serve", help="start the web chat")
    serve.add_argument("--host", help="bind address [ARTICLE_CHAT_HOST, default 127.0.0.1]")
    serve.add_argument("--port", type=int, help="port [ARTICLE_CHAT_PORT, default 7860]")
    for command in (index, listing, remove, ask, evaluate, serve):
        # "article-chat serve --article F" as well as "article-chat --article F serve"; given after
        # the command they win, absent there they leave the value given before it alone.
        _add_global_options(command, default=argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    parser.add_argument(
        "--article",
        type=Path,
        default=default,
        help="article file (UTF-8 text or Markdown) [ARTICLE_CHAT_ARTICLE]",
    )
    parser.add_argument(
        "--home", type=Path, default=default, help="data dir for the index and feedback [ARTICLE_CHAT_HOME]"
    )
    parser.add_argument(
        "--model", default=default, help="embedding model name or path [ARTICLE_CHAT_EMBEDDING_MODEL]"
    )
    parser.add_argument(
        "--chroma-url",
        default=default,
        help="use a Chroma server, e.g. http://127.0.0.1:8000 [ARTICLE_CHAT_CHROMA_URL]",
    )
    parser.add_argument(
        "--llm",
        default=default,
        help="answerer: extractive, provider:model (e.g. openai:gpt-4o-mini, ollama:llama3.2) or "
        "llamacpp:PATH.gguf [ARTICLE_CHAT_LLM, default extractive]",
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for number, arg in enumerate(argv, start=1):
        # Bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): nothing can use them.
        if (bad := next((c for c in arg if "\udc80" <= c <= "\udcff"), None)) is not None:
            print(
                f"article-chat: argument {number} is not valid UTF-8 (byte 0x{ord(bad) - 0xDC00:02X}); "
                "retype it or rename the file",
                file=sys.stderr,
            )
            return EXIT_USAGE
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(
            article=getattr(args, "path", None) or args.article,
            home=args.home,
            embedding_model=args.model,
            chroma_url=args.chroma_url,
            llm=args.llm,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
        for name in (getattr(args, "name", None), getattr(args, "reading", None)):
            if name is not None:
                check_name(name)  # a bad name fails before anything is loaded
        if args.command == "ask" and not args.jsonl and args.question is None:
            raise InputError('give a question, e.g. article-chat ask "What did Powell say?", or use --jsonl')
        return COMMANDS[args.command](args, settings)
    except (InputError, ArticleError, ReadingNameError, UnknownReading) as exc:
        print(f"article-chat: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ArticleChatError as exc:
        print(f"article-chat: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`article-chat ask ... | head`): not an error worth a traceback.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0


def _open(settings: Settings, *, progress: bool = False, reading: str | None = None) -> Any:
    from ui.runtime import open_from_settings

    if reading is None:
        return open_from_settings(settings, progress=progress)
    return open_from_settings(settings, progress=progress, reading=reading)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from ui.runtime import open_from_settings, rebuild_from_settings

    named = {"reading": args.name, "path": args.path} if args.name is not None else {}
    if args.rebuild:
        service = rebuild_from_settings(settings, **named)
    else:
        service = open_from_settings(settings, progress=True, **named)
    reading = f"reading {service.reading}: " if service.reading else ""
    print(
        f"{reading}index {service.index.name}: {len(service.index.chunks)} passages "
        f"from {service.article.source}"
    )
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from ui.runtime import list_readings

    readings = list_readings(settings)
    if not readings:
        print("no readings indexed yet; add one with `article-chat index FILE --name NAME`")
        return 0
    rows = [("NAME", "TITLE", "SOURCE", "CHUNKS", "BUILT AT (UTC)")]
    for r in readings:
        built = time.strftime("%Y-%m-%d %H:%M", time.gmtime(r.built_at)) if r.build else "(not built)"
        if r.building:
            built += " (a build is unfinished)"
        rows.append((r.name, _cut(r.title or "-", 40), _cut(r.source, 30), str(r.chunks), built))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]))
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from ui.runtime import remove_from_settings

    removed = remove_from_settings(settings, args.name)
    print(f"removed reading {removed.name} ({removed.source}, {removed.chunks} passages)")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.jsonl:
        service = _open(settings, reading=args.reading)
        service.warm_up()  # one-off work now, not inside the first answer
        return answer_lines(service, sys.stdin.buffer, sys.stdout)
    from bot.validate import clean_question

    question = clean_question(args.question, max_chars=settings.max_question_chars)  # fail before loading
    service = _open(settings, reading=args.reading)
    if args.json:
        print(json.dumps(service.ask(question), ensure_ascii=False))
    else:
        print_stream(service.stream(question), sys.stdout)
    return 0


def print_stream(events: Iterable[Any], out: TextIO) -> dict[str, Any]:
    """Print the answer's text as it is written, then what the checks found and the passages."""
    result: dict[str, Any] = {}
    streamed = False
    for event in events:
        if isinstance(event, dict):
            result = event
            break
        out.write(event.text)
        out.flush()
        streamed = streamed or bool(event.text)
    if streamed:
        out.write("\n")
    lines = []
    if result.get("notice"):  # what was streamed is replaced by the article's own words
        lines += [""] * streamed + [result["notice"], result["answer"]]
    elif not streamed:
        lines.append(result["answer"])
    lines += _details(result)
    if result["query"] != result["question"]:
        lines.append(f"(searched for: {result['query']})")
    if lines:
        out.write("\n".join(lines) + "\n")
    return result


def answer_lines(service: Any, lines: Iterable[bytes], out: TextIO) -> int:
    """One JSON answer per input line; a bad line gets an error object and the rest go on."""
    from bot.validate import parse_json

    status = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            request = parse_json(raw)
        except InputError as exc:
            result, status = {"line": number, "error": f"line {number} is {exc}"}, EXIT_USAGE
        else:
            try:
                if not isinstance(request, dict):
                    raise InputError('each line must be an object like {"messages": [...]}')
                result = service.ask_messages(request.get("messages"))
            except InputError as exc:
                result, status = {"line": number, "error": f"line {number}: {exc}"}, EXIT_USAGE
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return status


def format_answer(result: dict[str, Any]) -> str:
    """The answer for a person: text, then numbered passages with paragraph numbers."""
    lines = [result["answer"]]
    if result["query"] != result["question"]:
        lines.insert(0, f"(searched for: {result['query']})")
    return "\n".join(lines + _details(result))


def _details(result: dict[str, Any]) -> list[str]:
    """Unsupported sentences, cited passages and closest passages, each block after a blank line."""
    lines = []
    if result.get("unsupported"):
        lines += ["", "Not supported by the passages it cites (check these yourself):"]
        lines += [f"  ! {u['sentence']} ({u['reason']})" for u in result["unsupported"]]
    if result["citations"]:
        lines.append("")
        lines += [f"[{c['n']}] ¶{c['paragraph']}: {c['text']}" for c in result["citations"]]
    if result["closest"]:
        lines += ["", "Closest passages (not an answer):"]
        lines += [f"  ¶{c['paragraph']}: {c['text']}" for c in result["closest"]]
    return lines


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluate import evaluate, load_rows

    if not args.file.is_file():
        raise InputError(f"question set not found: {args.file}")
    rows = load_rows(args.file)
    service = _open(settings, reading=args.reading)
    service.warm_up()  # load the model before timing anything
    report = evaluate(rows, service.ask, service.article.text)
    summary = report.summary()
    if args.json:
        print(json.dumps({**summary, "misses": report.misses}, ensure_ascii=False, indent=2))
        return 0
    for key, value in summary.items():
        print(f"{key:20s} {value}")
    for miss in report.misses:
        print(
            f"MISS {miss['id']}: {'; '.join(miss['problems'])}\n"
            f"  Q: {miss['question']}\n  A: {miss['answer']}"
        )
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.runtime import open_library
    from ui.server import serve

    service = _open(settings, progress=True)
    service.warm_up()
    serve(service, settings, library=open_library(settings, service))
    return 0


COMMANDS = {
    "index": cmd_index,
    "list": cmd_list,
    "remove": cmd_remove,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "serve": cmd_serve,
}


if __name__ == "__main__":
    sys.exit(main())
