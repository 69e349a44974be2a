"""The library names an option by its field (`upgrade`, `cache` off, between backquotes, see
errors.py); on the command line the user set a flag, so that is what the command line shows, in
its messages and in the reports it writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jats_enrich.api import ArticleReport

#: How the library writes an option -> the flag that sets it.
FLAGS: dict[str, str] = {
    "`cache` off": "--no-cache",
    "`upgrade`": "--upgrade",
    "`add_roles`": "--add-roles",
    "`statements`": "--statements",
    "`replace_deprecated`": "--replace-deprecated",
    "`legacy`": "--legacy",
    "`scheme`": "--scheme",
    "`xslt`": "--xslt",
    "`engine`": "--engine",
    "`executor`": "--executor",
    "`resume`": "--resume",
}


def as_flags(message: str) -> str:
    """The message with each option named by its flag."""
    if "`" not in message:
        return message
    for field, flag in FLAGS.items():
        message = message.replace(field, flag)
    return message


def report_with_flags(article: ArticleReport) -> ArticleReport:
    """An article's report with the options its notes and error name shown as flags."""
    changed = [f for f in article.findings if f.note is not None and "`" in f.note]
    if not changed and (article.error is None or "`" not in article.error):
        return article
    findings = [
        f.model_copy(update={"note": as_flags(f.note)}) if f.note is not None and "`" in f.note else f
        for f in article.findings
    ]
    error = as_flags(article.error) if article.error is not None else None
    return article.model_copy(update={"findings": findings, "error": error})
