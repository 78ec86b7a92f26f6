"""Routing rules (postmaster filters): conditions on an arriving message, and what to do.

Pure functions. Rules come from the desk config, are compiled once (a bad regex or an
unknown queue stops startup, naming the rule) and are evaluated in order for every
arriving message. Matching is case-insensitive and Unicode-aware: text and keywords are
compared in a folded form (casefold, diacritics dropped, Turkish dotless i as i), so
"ПАРОЛЬ", "Пароль" and "пароль", or "ŞİFRE", "SIFRE" and "şifre", match alike.
A keyword matches at the start of a word, so "парол" finds "пароля" and "паролем".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import Field, model_validator

from ticketflow.desk.strict import StrictModel
from ticketflow.mail.parse import ParsedMail, shown_address

FIELDS = ("sender", "recipients", "subject", "body", "attachments")
SNIPPET = 80  # characters of matched text kept as the reason


class ConditionConfig(StrictModel):
    """One test on one part of the message. `field`: sender, recipients (To, Cc,
    Delivered-To and the envelope), subject, body, attachments (their names), or
    `header:Name`. Matches when any keyword or the regex is found; with neither, when the
    part is present (`present: false` inverts)."""

    field: str
    keywords: list[str] = []
    regex: str | None = None
    present: bool = True

    @model_validator(mode="after")
    def _check(self) -> ConditionConfig:
        if self.field not in FIELDS and not self.field.lower().startswith("header:"):
            raise ValueError(f"unknown field {self.field!r}: use {', '.join(FIELDS)}, header:Name")
        return self


class RuleActions(StrictModel):
    queue: str | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    tags: list[str] = []
    hint: str | None = None  # a topic shown to agents
    no_auto_reply: bool = False
    spam: bool = False  # close the new ticket as spam, with no automatic reply
    ignore: bool = False  # make no ticket; the raw message is kept and the reason logged
    stop: bool = False  # evaluate no further rules


class RuleConfig(StrictModel):
    name: str = Field(min_length=1)
    all: list[ConditionConfig] = []
    any: list[ConditionConfig] = []
    then: RuleActions

    @model_validator(mode="after")
    def _check(self) -> RuleConfig:
        if not self.all and not self.any:
            raise ValueError(f"rule {self.name!r} has no conditions (all: or any:)")
        return self


# The hints every desk gives, without a rule: a sender whose display name shows an address
# other than his own.
DISGUISED_SENDER = "disguised-sender"
SHOWN_ADDRESS_CHECK = "display name shows another address"
# And one for a message whose HTML is past the bounds it may be sanitised within: agents
# read its text, and the raw message has the rest.
HTML_NOT_SHOWN = "html-not-shown"
HTML_BOUNDS_CHECK = "HTML past the bounds it is shown within"


@dataclass(frozen=True)
class Hint:
    """Why a ticket carries a topic: which rule matched which part, and what it found."""

    topic: str
    rule: str
    part: str
    matched: str


@dataclass
class Classification:
    queue: str | None = None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    no_auto_reply: str | None = None  # why
    spam: str | None = None  # the rule that closed it as spam
    ignore: str | None = None  # why no ticket is made
    matched_rules: list[str] = field(default_factory=list)


class RuleError(ValueError):
    pass


def fold(text: str) -> str:
    """The form text and keywords are compared in: case and diacritics ignored, since
    users type "sifre" for "şifre", "ИСТАНБУЛ" or "Istanbul" for "İstanbul", "е" for "ё"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).replace("ı", "i")  # Turkish dotless i


@dataclass(frozen=True)
class Condition:
    part: str
    keywords: re.Pattern[str] | None
    regex: re.Pattern[str] | None
    present: bool

    def test(self, message: MessageParts) -> str | None:
        """What matched (a short snippet), or None."""
        text = message.part(self.part)
        if self.keywords is None and self.regex is None:
            found = bool(text.strip())
            return ("present" if found else "absent") if found == self.present else None
        if self.keywords is not None:
            hit = self.keywords.search(message.folded(self.part))
            if hit:
                return hit.group(0)[:SNIPPET]
        if self.regex is not None:
            hit = self.regex.search(text) or self.regex.search(message.folded(self.part))
            if hit:
                return hit.group(0)[:SNIPPET]
        return None


@dataclass(frozen=True)
class Rule:
    name: str
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    actions: RuleActions

    def matches(self, message: MessageParts) -> list[tuple[str, str]] | None:
        """The (part, matched text) pairs that made the rule match, or None."""
        found: list[tuple[str, str]] = []
        for condition in self.all:
            hit = condition.test(message)
            if hit is None:
                return None
            found.append((condition.part, hit))
        if self.any:
            hits = [(c.part, h) for c in self.any if (h := c.test(message)) is not None]
            if not hits:
                return None
            found += hits[:1]
        return found


class MessageParts:
    """The parts of a message rules look at, folded once each when first asked for."""

    def __init__(
        self, mail: ParsedMail, envelope_to: list[str], trusted_headers: Sequence[str] = ()
    ) -> None:
        self._mail = mail
        self._envelope = envelope_to
        self._trusted = trusted_headers
        self._folded: dict[str, str] = {}

    def part(self, name: str) -> str:
        mail = self._mail
        if name == "sender":
            return f"{mail.from_header} {mail.from_addr}"
        if name == "recipients":
            # Delivered-To and X-Original-To are written by whoever sends the message
            # unless our own MTA sets them: they count only where the desk trusts them.
            stamped = [v for name in self._trusted for v in mail.header_values(name)]
            return "\n".join([mail.to_header, mail.cc_header, *stamped, *self._envelope])
        if name == "subject":
            return mail.subject
        if name == "body":
            return mail.body_text
        if name == "attachments":
            return "\n".join(a.filename for a in mail.attachments)
        return "\n".join(mail.header_values(name.split(":", 1)[1].strip()))

    def folded(self, name: str) -> str:
        if name not in self._folded:
            self._folded[name] = fold(self.part(name))
        return self._folded[name]


def compile_rules(configs: list[RuleConfig], queues: set[str]) -> list[Rule]:
    """Rules ready to evaluate; RuleError names the rule and the reason otherwise."""
    return [_compile(config, queues) for config in configs]


def _compile(config: RuleConfig, queues: set[str]) -> Rule:
    if config.then.queue is not None and config.then.queue not in queues:
        raise RuleError(f"rule {config.name!r}: unknown queue {config.then.queue!r}")
    try:
        return Rule(
            name=config.name,
            all=tuple(compile_condition(c) for c in config.all),
            any=tuple(compile_condition(c) for c in config.any),
            actions=config.then,
        )
    except re.error as exc:
        raise RuleError(f"rule {config.name!r}: bad regex: {exc}") from None


def compile_condition(config: ConditionConfig) -> Condition:
    part = config.field if config.field in FIELDS else "header:" + config.field.split(":", 1)[1]
    keywords = None
    if config.keywords:
        words = sorted({fold(k).strip() for k in config.keywords if k.strip()}, key=len)
        # At the start of a word, unless the keyword itself starts elsewhere ("@host");
        # the rest of the word comes along, so the hint shows what was written.
        keywords = re.compile(
            "|".join(("(?<!\\w)" if w[0].isalnum() else "") + re.escape(w) + r"\w*" for w in words)
        )
    regex = re.compile(config.regex, re.IGNORECASE) if config.regex else None
    return Condition(part, keywords, regex, config.present)


def classify(
    rules: Sequence[Rule],
    mail: ParsedMail,
    envelope_to: Sequence[str] = (),
    trusted_headers: Sequence[str] = (),
) -> Classification:
    """Evaluate the rules in order; later rules override the queue and priority of
    earlier ones, tags and hints add up, `stop` ends the evaluation. The `recipients`
    part is the To and Cc fields, the envelope recipients, and the values of the
    `trusted_headers` (Delivered-To, X-Original-To where the desk's MTA writes them)."""
    result = Classification()
    message = MessageParts(mail, list(envelope_to), trusted_headers)
    for rule in rules:
        found = rule.matches(message)
        if found is None:
            continue
        result.matched_rules.append(rule.name)
        actions = rule.actions
        result.queue = actions.queue or result.queue
        result.priority = actions.priority or result.priority
        result.tags += [t for t in actions.tags if t not in result.tags]
        if actions.hint:
            result.hints += [Hint(actions.hint, rule.name, part, text) for part, text in found]
        reason = f"rule {rule.name!r}"
        if actions.no_auto_reply and result.no_auto_reply is None:
            result.no_auto_reply = reason
        if actions.spam and result.spam is None:
            result.spam = reason
        if actions.ignore and result.ignore is None:
            result.ignore = reason
        if actions.stop:
            break
    shown = shown_address(mail.from_header, mail.from_addr)
    if shown is not None:  # whatever the rules: a person reads the name, not the address
        result.hints.append(Hint(DISGUISED_SENDER, SHOWN_ADDRESS_CHECK, "sender", shown))
    if mail.html_unshown:
        result.hints.append(Hint(HTML_NOT_SHOWN, HTML_BOUNDS_CHECK, "body", mail.html_unshown))
    return result
