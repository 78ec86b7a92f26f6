"""A support day at the seeds' scale, replayed on the real engine, compressed.

    python bench/day.py [--compress 60] [--mails 14000] [--agents 50] [--workers 2]
                        [--apis 1] [--database-url postgresql+psycopg2://…/empty_db]
                        [--record] [--smoke]

Starts `ticketflow up` (SQLite, or the empty PostgreSQL database given; its two workers, or
`--workers N`; `--apis 2`: a second API process beside the embedded one) on the example desk
with every duration divided by the compression factor (SLA budgets and the owner timeout
in whole minutes, at least one; waiting tickets close after 7 days / factor; round-the-clock
calendars, since the simulated day lies within the desk's hours). Then it replays the day
from 09:00 to 21:00 in simulated time (`--compress 60`: an hour in a minute):

- `--mails` new requests with the day's shape (a quiet morning, peaks late in the morning
  and in the evening, short bursts of three times the mean), the example desk's topics in
  Russian, English and Turkish, ~10% with an attachment, to support@, abuse@ and security@,
  some automatic mail (out-of-office, spam flagged upstream, bulk mail);
- `--agents` agents in the two shifts (09-15, 15-21), each shift's half split between the
  first line and the four second-line groups as the desk's rights say, working their queues
  through the API the console's keys use: the queue's next ticket, its page, the first
  line's macros (move, answer, ask, close as spam), the second line's notes, answers,
  questions and moves, with think times drawn per action and divided by the factor;
- customers who answer questions (85%, after ~40 simulated minutes) and sometimes write
  again after an answer (7%), the reply reopening the ticket where it was answered.

At the end it reads the day's figures from the reports API and prints them in simulated
time beside the seeds' targets, then the engine's own: CPU seconds per ticket of each
process, history events per ticket (a sample of tickets' workflow histories), the workers'
workflow task latency (the SDK's metrics), the intake lag, and the highest compression at
which this machine keeps up with the day's peak.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import quote

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402
    WORK,
    EmbeddedStack,
    add_stack_arguments,
    free_port,
    healthy,
    parse_with_smoke,
    percentile,
    report,
    stack_settings,
)
from intake import process_cpu  # noqa: E402

from ticketflow.components import Components  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402

DESK = ROOT / "ticketflow" / "desk" / "desk.example.yaml"
DAY_HOURS = 12  # 09:00-21:00
SHIFT_HOURS = 6
# The day's shape: the share of each hour from 09:00 (a quiet morning, peaks at 11-13 and
# 18-20), and bursts of three times the mean for a quarter of an hour.
HOURLY = (0.45, 0.75, 1.35, 1.45, 1.2, 0.9, 0.85, 0.9, 1.1, 1.35, 1.15, 0.55)
BURSTS = ((2.25, 0.25), (9.5, 0.25))  # (hour from 09:00, length in hours)
BURST_FACTOR = 3.0
# Each shift's agents: (group, queues worked, count out of 25).
# The first line takes about 30 s a ticket (one click); the second line about 80 s an
# action, a ticket taking 1.3 actions: 10 first-line agents carry the day's mean of ~1,170
# new tickets an hour, 15 second-line agents its ~40% (queues build in the peaks).
STAFF = (
    ("first-line", ("Inbox",), 10),
    ("passwords", ("Passwords",), 6),
    ("web", ("Web",), 5),
    ("solvers", ("Solvers",), 1),
    ("abuse", ("Abuse", "Security"), 3),
)
# Think times in simulated seconds (log-normal around these medians).
THINK_FIRST_LINE = 30.0
THINK_SECOND_LINE = 80.0
IDLE = 30.0  # an agent with an empty queue looks again after this long
ASK_ANSWERED = 0.85
ASK_ANSWER_AFTER = 40 * 60.0
WRITES_AGAIN = 0.07
WRITES_AGAIN_AFTER = 120 * 60.0

TOPICS = {  # topic: (share, {lang: (subject, body)})
    "password": (
        0.34,
        {
            "ru": (
                "Не могу войти, пароль не подходит",
                "Не могу войти в ящик: пароль не подходит.",
            ),
            "en": ("Password not accepted", "I cannot sign in, my password is not accepted."),
            "tr": ("Şifre kabul edilmiyor", "Giriş yapamıyorum, şifrem kabul edilmiyor."),
        },
    ),
    "mail-program": (
        0.2,
        {
            "ru": (
                "Не работает почтовая программа",
                "Почтовая программа Outlook не получает письма по IMAP.",
            ),
            "en": (
                "Thunderbird stopped working",
                "Thunderbird cannot fetch my mail over IMAP any more.",
            ),
            "tr": (
                "E-posta programı çalışmıyor",
                "E-posta programı Outlook IMAP ile posta almıyor.",
            ),
        },
    ),
    "spam": (
        0.1,
        {
            "ru": ("Спам с моего адреса", "С моего адреса рассылают спам."),
            "en": ("Spam from my address", "Somebody sends spam from my address."),
            "tr": ("Adresimden istenmeyen posta", "Adresimden istenmeyen posta gönderiliyor."),
        },
    ),
    "phishing": (
        0.05,
        {
            "ru": ("Фишинг", "Пришло фишинговое письмо от имени службы поддержки."),
            "en": ("Phishing mail", "I got a phishing mail pretending to be you."),
            "tr": ("Oltalama", "Sizin adınıza bir oltalama e-postası aldım."),
        },
    ),
    "other": (
        0.31,
        {
            "ru": ("Вопрос по ящику", "Как настроить пересылку писем на другой адрес?"),
            "en": ("A question about my mailbox", "How do I set up forwarding to another address?"),
            "tr": ("Posta kutum hakkında", "Başka bir adrese yönlendirmeyi nasıl ayarlarım?"),
        },
    ),
}
LANGUAGES = (("ru", 0.6), ("en", 0.25), ("tr", 0.15))
MAILBOXES = (("support", 0.93), ("abuse", 0.05), ("security", 0.02))
# Automatic mail among the new requests: (share, kind).
AUTOMATIC = (("out-of-office", 0.02), ("spam", 0.03), ("bulk", 0.01))
DOMAIN = "ticketflow.localhost"


def scaled_desk(factor: float) -> str:
    """The example desk with its durations divided by `factor`, its calendars round the
    clock, no tracker and no undo window."""
    desk = yaml.safe_load(DESK.read_text(encoding="utf-8"))
    for project in desk["projects"]:
        for calendar in project.get("calendars", {}).values():
            calendar["hours"] = {"every-day": "00:00-24:00"}
        for sla in project.get("slas", {}).values():
            for budget in ("first_response", "update", "solution"):
                if sla.get(budget):
                    sla[budget] = max(1, round(sla[budget] / factor))
            for budgets in (sla.get("priorities") or {}).values():
                for budget, minutes in budgets.items():
                    budgets[budget] = max(1, round(minutes / factor))
        project["owner_timeout"] = max(1, round(project.get("owner_timeout", 30) / factor))
        project["undo_seconds"] = 0
        project.pop("tracker", None)
        for queue in project["queues"]:
            queue["close_waiting_after_days"] = 7 / factor
    return yaml.safe_dump(desk, allow_unicode=True, sort_keys=False)


def choose(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


@dataclass(order=True)
class Due:
    """A mail due at a simulated second of the day (from 09:00)."""

    at: float
    raw: bytes = field(compare=False)
    customer: str = field(compare=False, default="")
    lang: str = field(compare=False, default="")
    new: bool = field(compare=False, default=True)


def arrivals(count: int, rng: random.Random) -> list[float]:
    """`count` arrival times (simulated seconds from 09:00) with the day's shape."""
    weights = []
    for minute in range(DAY_HOURS * 60):
        hour = minute / 60
        weight = HOURLY[int(hour)]
        if any(start <= hour < start + length for start, length in BURSTS):
            weight = BURST_FACTOR * sum(HOURLY) / len(HOURLY)
        weights.append(weight)
    minutes = rng.choices(range(len(weights)), weights, k=count)
    return sorted(60.0 * m + rng.random() * 60.0 for m in minutes)


def new_request(i: int, at: float, rng: random.Random) -> Due:
    lang = choose(rng, LANGUAGES)
    topic = rng.choices(list(TOPICS), [share for share, _ in TOPICS.values()])[0]
    subject, body = TOPICS[topic][1][lang]
    customer = f"customer{i}@example{i % 97}.org"
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <{customer}>"
    mailbox = choose(rng, MAILBOXES)
    msg["To"] = f"{mailbox}@{DOMAIN}"
    msg["Subject"] = f"{subject} ({i})"
    msg["Message-ID"] = make_msgid(idstring=f"day{i}", domain=f"example{i % 97}.org")
    kind = rng.random()
    edge = 0.0
    for name, share in AUTOMATIC:
        edge += share
        if kind < edge:
            if name == "out-of-office":
                msg["Auto-Submitted"] = "auto-replied"
                msg.replace_header("Subject", "Out of office")
            elif name == "spam":
                msg["X-Spam-Flag"] = "YES"
            else:
                msg["Precedence"] = "bulk"
                msg["List-Unsubscribe"] = f"<mailto:unsubscribe-{i}@lists.example.org>"
            break
    paragraphs = rng.choice([1, 1, 2, 3, 8])
    msg.set_content("\n\n".join([body] * paragraphs) + f"\n\n-- \nCustomer {i}\n")
    if rng.random() < 0.1:
        blob = rng.randbytes(rng.randrange(2_000, 60_000))
        msg.add_attachment(blob, maintype="image", subtype="png", filename=f"screen-{i}.png")
    return Due(at, msg.as_bytes(), customer, lang)


def customer_reply(number: str, customer: str, lang: str, at: float, again: bool) -> Due:
    words = {
        "ru": ("Вот подробности: это случилось вчера вечером.", "Не помогло, проблема осталась."),
        "en": ("Here are the details: it happened last night.", "It did not help, still broken."),
        "tr": ("Ayrıntılar: dün akşam oldu.", "İşe yaramadı, sorun devam ediyor."),
    }[lang]
    msg = EmailMessage()
    msg["From"] = customer
    msg["To"] = f"support@{DOMAIN}"
    msg["Subject"] = f"Re: [Ticket#{number}] " + ("again" if again else "details")
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(words[1] if again else words[0])
    return Due(at, msg.as_bytes(), customer, lang, new=False)


@dataclass
class Day:
    """The simulated clock, the mail to send, and what was measured."""

    factor: float
    started: float = 0.0
    due: list[Due] = field(default_factory=list)
    customers: dict[str, tuple[str, str]] = field(default_factory=dict)  # number: (addr, lang)
    lag: list[float] = field(default_factory=list)  # simulated seconds a post came late
    posted: int = 0
    new_tickets: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    actions: dict[str, list[float]] = field(default_factory=dict)  # kind: wall ms
    refused: int = 0
    stop: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def now(self) -> float:
        """Simulated seconds since 09:00."""
        return (time.monotonic() - self.started) * self.factor

    async def until(self, at: float) -> None:
        wait = (at - self.now()) / self.factor
        if wait > 0:
            await asyncio.sleep(wait)

    async def think(self, median: float) -> None:
        await asyncio.sleep(median * self.rng.lognormvariate(0, 0.5) / self.factor)

    def schedule(self, mail: Due) -> None:
        heapq.heappush(self.due, mail)


async def deliver(client: httpx.AsyncClient, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    """Post a mail; a kept-alive connection the server had just closed gets it delivered
    again, as a provider would (the same bytes are one message)."""
    for _ in range(2):
        try:
            return await client.post("/api/v1/inbound/mail", content=raw, headers=headers)
        except httpx.TransportError:
            await asyncio.sleep(0.5)
    return await client.post("/api/v1/inbound/mail", content=raw, headers=headers)


async def feed_mail(day: Day, apis: list[str], headers: dict[str, str], gate: int) -> None:
    """Post each mail when it falls due (the lag, when the API is behind, is measured)."""
    limit = asyncio.Semaphore(gate)
    clients = [httpx.AsyncClient(base_url=api, timeout=120) for api in apis]
    tasks: set[asyncio.Task[None]] = set()

    async def post(mail: Due, n: int) -> None:
        async with limit:
            day.lag.append(max(0.0, day.now() - mail.at))
            resp = await deliver(clients[n % len(clients)], mail.raw, headers)
        day.statuses[resp.status_code] = day.statuses.get(resp.status_code, 0) + 1
        if resp.status_code == 202 and mail.new:
            body = resp.json()
            if body.get("created"):
                day.new_tickets += 1
                day.customers[body["ticket"]] = (mail.customer, mail.lang)

    n = 0
    while not (day.stop and not day.due):
        if not day.due or day.due[0].at > day.now():
            await asyncio.sleep(0.01)
            if day.now() > DAY_HOURS * 3600:
                day.due = [m for m in day.due if m.at <= DAY_HOURS * 3600]  # the day is over
                if not day.due:
                    break
            continue
        mail = heapq.heappop(day.due)
        task = asyncio.create_task(post(mail, n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        day.posted += 1
        n += 1
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()


@dataclass
class Agent:
    name: str
    group: str
    queues: tuple[str, ...]
    token: str
    shift: int  # 0: 09-15, 1: 15-21

    @property
    def first_line(self) -> bool:
        return self.group == "first-line"


# What the first line does with a ticket, by its hint: about 40% of the day's tickets reach
# the second line (with the mail to abuse@ and security@ that goes there directly).
FIRST_LINE_BY_HINT = {  # hint: ((share, macro), ...)
    "password": ((0.45, "to-passwords"), (0.55, "answer-password-reset")),
    "mail-program": ((0.5, "to-web"), (0.3, "ask-for-details"), (0.2, "answer")),
    "spam": ((0.6, "to-abuse"), (0.4, "answer")),
    "phishing": ((1.0, "to-abuse"),),
    "": ((0.45, "answer"), (0.25, "ask-for-details"), (0.2, "close-as-spam"), (0.1, "to-web")),
}

MACRO_KINDS = {
    "ask-for-details": "ask",
    "answer-password-reset": "answer",
    "close-as-spam": "close",
}


async def work(day: Day, agent: Agent, api: str, sample: list[str]) -> None:
    """An agent's shift: the next ticket of his queues, its page, a decision, an action."""
    start, end = agent.shift * SHIFT_HOURS * 3600.0, (agent.shift + 1) * SHIFT_HOURS * 3600.0
    await day.until(start + day.rng.random() * 120)
    headers = {"Authorization": f"Bearer {agent.token}"}
    rng = random.Random(agent.name)
    async with httpx.AsyncClient(base_url=api, timeout=120, headers=headers) as http:
        while day.now() < end and not day.stop:
            number = None
            for queue in agent.queues:
                resp = await http.post(f"/api/v1/queues/{quote(queue)}/next")
                number = resp.json().get("ticket") if resp.status_code == 200 else None
                if number:
                    break
            if not number:
                await day.think(IDLE)
                continue
            page = (await http.get(f"/api/v1/tickets/{number}?articles=3")).json()
            hints = [h["topic"] for h in page.get("hints", [])]
            await day.think(THINK_FIRST_LINE if agent.first_line else THINK_SECOND_LINE)
            kind, path, body = decide(agent, hints, page, rng)
            started = time.perf_counter()
            resp = await http.post(path, json=body)
            day.actions.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if resp.status_code != 200:
                day.refused += 1
                continue
            if len(sample) < 300:
                sample.append(number)
            after_action(day, number, kind, rng)


def decide(
    agent: Agent, hints: list[str], page: dict[str, object], rng: random.Random
) -> tuple[str, str, dict[str, object]]:
    number = page["number"]
    if agent.first_line:
        hint = next((h for h in hints if h in FIRST_LINE_BY_HINT), "")
        choices = FIRST_LINE_BY_HINT[hint]
        macro = rng.choices([m for _, m in choices], [s for s, _ in choices])[0]
        if macro == "answer":
            text = "Here is how to do it: Settings, then Forwarding."
            return "answer", f"/api/v1/tickets/{number}/actions/answer", {"text": text}
        kind = MACRO_KINDS.get(macro, "move")
        return kind, f"/api/v1/tickets/{number}/macros/{macro}", {}
    roll = rng.random()
    if roll < 0.2:
        return "note", f"/api/v1/tickets/{number}/actions/note", {"text": "Checked the logs."}
    if roll < 0.75:
        text = "We have fixed your account's settings; it works again."
        return "answer", f"/api/v1/tickets/{number}/actions/answer", {"text": text}
    if roll < 0.93:
        text = "Please tell us when it happened last and from which device."
        return "ask", f"/api/v1/tickets/{number}/actions/ask", {"text": text}
    target = "Solvers" if "Solvers" not in agent.queues else "Web"
    return "move", f"/api/v1/tickets/{number}/actions/move", {"queue": target}


def after_action(day: Day, number: str, kind: str, rng: random.Random) -> None:
    """The customer's side: an answer to a question, or a word after an answer."""
    known = day.customers.get(number)
    if known is None:
        return
    customer, lang = known
    if kind == "ask" and rng.random() < ASK_ANSWERED:
        at = day.now() + ASK_ANSWER_AFTER * rng.lognormvariate(0, 0.6)
        day.schedule(customer_reply(number, customer, lang, at, again=False))
    elif kind == "answer" and rng.random() < WRITES_AGAIN:
        at = day.now() + WRITES_AGAIN_AFTER * rng.lognormvariate(0, 0.6)
        day.schedule(customer_reply(number, customer, lang, at, again=True))


# --- the stack, the staff, the figures ----------------------------------------------------


def staff(components: Components, agents: int) -> list[Agent]:
    """`agents` agents in two shifts, each shift split as STAFF says (scaled to its size),
    and a supervisor who reads the reports."""
    made: list[Agent] = []
    admin = components.agent_admin("bench")
    per_shift = max(1, agents // 2)
    for shift in (0, 1):
        for group, queues, share in STAFF:
            count = max(1, round(share * per_shift / 25))
            for n in range(count):
                name = f"{group}-{shift}-{n}"
                token = admin.add(name, [f"mail/{group}"])
                made.append(Agent(name, group, queues, token, shift))
    return made


def extra_api(stack: EmbeddedStack, port: int, desk: Path) -> subprocess.Popen[bytes]:
    """Another API process beside the embedded one, on the same database and Temporal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env.update(
        TICKETFLOW_DATA_DIR=str(stack.data_dir),
        TICKETFLOW_DATABASE_URL=stack.database_url,
        TICKETFLOW_TEMPORAL_ADDRESS=f"127.0.0.1:{stack.temporal_port}",
        TICKETFLOW_DESK_CONFIG=str(desk),
    )
    env.update({f"TICKETFLOW_{k.upper()}": v for k, v in stack.settings.items()})
    command = [sys.executable, "-m", "ticketflow.cli", "api", "--port", str(port)]
    log = (stack.data_dir.parent / f"api-{port}.log").open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)
    if not healthy(f"http://127.0.0.1:{port}", 60, process=proc):
        raise RuntimeError(f"the extra API on {port} did not start; see {log.name}")
    return proc


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on the machine (the read model's server)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def histogram_p95(text: str, name: str) -> float | None:
    """The 95th percentile (a bucket's upper bound, in the histogram's unit: the Temporal
    SDK's latencies are in milliseconds) of a Prometheus histogram summed over its label
    sets."""
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            upper = math.inf if bound == "+Inf" else float(bound)
            buckets[upper] = buckets.get(upper, 0.0) + float(line.rsplit(" ", 1)[1])
    if not buckets or not buckets.get(math.inf):
        return None
    total = buckets[math.inf]
    bounds = sorted(buckets)
    for upper in bounds:
        if buckets[upper] >= 0.95 * total:
            # Past the largest bucket: say that bucket's bound, as a floor (bucket_text).
            return upper if upper != math.inf else -bounds[-2] if len(bounds) > 1 else None
    return None


def bucket_text(value: float) -> str:
    """A histogram_p95 answer: at most a bucket's bound, or (negative) more than the last."""
    return f"> {-value:.0f}" if value < 0 else f"<= {value:.0f}"


async def events_per_ticket(stack: EmbeddedStack, numbers: list[str]) -> float | None:
    """History events per ticket (every run of it), over a sample of worked tickets."""
    from temporalio.client import Client

    from ticketflow.tickets.numbering import workflow_id

    if not numbers:
        return None
    client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
    counts = []
    for number in numbers:
        total = 0
        async for run in client.list_workflows(f'WorkflowId = "{workflow_id(number)}"'):
            handle = client.get_workflow_handle(run.id, run_id=run.run_id)
            total += len([e async for e in handle.fetch_history_events()])
        counts.append(total)
    return sum(counts) / len(counts)


async def drained(stack: EmbeddedStack, posted: int, timeout: float) -> float:
    """Wait until every posted mail is taken in by its ticket's workflow; the seconds it took."""
    from sqlalchemy import create_engine, func, select

    from ticketflow.store.models import RawMessage

    engine = create_engine(stack.database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with engine.connect() as conn:
                kept = conn.scalar(select(func.count()).select_from(RawMessage)) or 0
                unread = conn.scalar(
                    select(func.count())
                    .select_from(RawMessage)
                    .where(RawMessage.state == "received")
                )
            if kept >= posted and not unread:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
        return time.monotonic() - started
    finally:
        engine.dispose()


def sim(seconds: float | None, factor: float) -> str:
    """Wall seconds of the compressed run, said in simulated minutes."""
    return "-" if seconds is None else f"{seconds * factor / 60:.1f} min"


def share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


async def run_day(args: argparse.Namespace) -> list[str]:
    factor = float(args.compress)
    run_dir = WORK / f"day-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    desk = run_dir / "desk.yaml"
    desk.write_text(scaled_desk(factor), encoding="utf-8")
    settings = stack_settings(args) | {"desk_config": str(desk), "workers": str(args.workers)}
    rng = random.Random(5)
    mails = [new_request(i, at, rng) for i, at in enumerate(arrivals(args.mails, rng))]
    with EmbeddedStack(run_dir / "data", args.database_url, settings) as stack:
        components = Components(
            Settings(data_dir=stack.data_dir, database_url=stack.database_url, desk_config=desk)
        )
        agents = staff(components, args.agents)
        supervisor = components.agent_admin("bench").add("lead", ["mail/supervisors"])
        ports = [free_port() for _ in range(args.apis - 1)]
        extra = [extra_api(stack, port, desk) for port in ports]
        apis = [stack.api] + [f"http://127.0.0.1:{port}" for port in ports]
        assert stack.proc is not None
        cpu_before, pg_before = process_cpu(stack.proc.pid), postgres_cpu()
        extra_before = sum(process_cpu(p.pid).get("api", 0.0) for p in extra)
        day = Day(factor)
        for mail in mails:
            day.schedule(mail)
        sample: list[str] = []
        day.started = time.monotonic()
        wall_start = datetime.now(UTC)
        feeder = asyncio.create_task(feed_mail(day, apis, stack.inbound_headers, 64))
        workers = [
            asyncio.create_task(work(day, agent, apis[i % len(apis)], sample))
            for i, agent in enumerate(agents)
        ]
        await asyncio.gather(*workers)
        day.stop = True
        await feeder
        day_seconds = time.monotonic() - day.started
        drain = await drained(stack, sum(day.statuses.values()), timeout=600)
        cpu_after, pg_after = process_cpu(stack.proc.pid), postgres_cpu()
        extra_after = sum(process_cpu(p.pid).get("api", 0.0) for p in extra)
        metrics = [
            httpx.get(f"http://127.0.0.1:{stack.metrics_port + 2 * n + 1}/metrics").text
            for n in range(args.workers)
        ]
        wall_end = datetime.now(UTC) + timedelta(hours=1)
        async with httpx.AsyncClient(base_url=stack.api, timeout=120) as http:
            resp = await http.get(
                "/api/v1/reports/summary",
                params={
                    "project": "mail",
                    "from": wall_start.replace(minute=0, second=0, microsecond=0).isoformat(),
                    "to": wall_end.replace(minute=0, second=0, microsecond=0).isoformat(),
                },
                headers={"Authorization": f"Bearer {supervisor}"},
            )
            resp.raise_for_status()
            summary = resp.json()
        events = await events_per_ticket(stack, sample[: args.history_sample])
        for proc in extra:
            proc.terminate()
            proc.wait(30)

    tickets = max(1, summary["new"])
    cpu = {r: cpu_after.get(r, 0.0) - cpu_before.get(r, 0.0) for r in cpu_after}
    cpu["api"] = cpu.get("api", 0.0) + extra_after - extra_before
    cpu["database"] = pg_after - pg_before if args.database_url else 0.0
    wait = summary["first_line_wait"]
    sla = summary["sla"]
    sched = [histogram_p95(m, "temporal_workflow_task_schedule_to_start_latency") for m in metrics]
    execd = [histogram_p95(m, "temporal_workflow_task_execution_latency") for m in metrics]
    lag = day.lag or [0.0]
    lag_p95 = percentile(lag, 0.95)
    mean_wait = wait.get("mean")
    within_day = summary["handled_within_day_share"]
    held = (
        mean_wait is not None
        and mean_wait * factor <= 3600
        and within_day is not None
        and within_day >= 0.8
    )
    # What the machine can carry: the peak quarter hour's arrivals at compression 1, and
    # the CPU every ticket cost all processes (agents' work and replies included) on its
    # cores; the compression at which the peak would fill 85% of them.
    cores = os.cpu_count() or 1
    per_ticket = sum(cpu.values()) / tickets
    peak_at_1 = BURST_FACTOR * args.mails / (DAY_HOURS * 3600)
    most = 0.85 * cores / (per_ticket * peak_at_1) if per_ticket else math.inf
    actions = [ms for values in day.actions.values() for ms in values] or [0.0]
    roles = ("worker", "api", "temporal", "database", "up")
    pairs = [(s, e) for s, e in zip(sched, execd, strict=True) if s is not None and e is not None]
    lines = [
        f"day of {args.mails} mails at compression {factor:g} ({len(agents)} agents, "
        f"{args.workers} worker(s), {args.apis} API process(es), read model "
        f"{'PostgreSQL' if args.database_url else 'SQLite'})",
        f"  wall: the day {day_seconds:.0f} s, then {drain:.0f} s until every mail was read; "
        f"posted {day.posted} (new tickets {day.new_tickets}), HTTP {day.statuses}",
        "the seeds' figures, in simulated time (target)",
        f"  new tickets                  {summary['new']}",
        f"  handled within a day         {share(within_day)}  (about 80%)",
        f"  first-line wait mean / p90   {sim(mean_wait, factor)} / "
        f"{sim(wait.get('p90'), factor)}  (mean under 60 min)",
        f"  second-line share            {share(summary['second_line_share'])}  (about 40%)",
        f"  reopen rate                  {share(summary['reopen_rate'])}",
        f"  first-contact resolution     {share(summary['first_contact_resolution_rate'])}",
        "  SLA compliance               "
        + ", ".join(f"{clock} {share(v['compliance'])}" for clock, v in sla.items()),
        "the engine",
        "  CPU per ticket               "
        + ", ".join(f"{role} {1000 * cpu.get(role, 0.0) / tickets:.0f} ms" for role in roles),
        f"  history events per ticket    {events:.1f}" if events else "  history events: -",
        "  workflow task p95            "
        + "; ".join(
            f"schedule-to-start {bucket_text(s)} ms, execution {bucket_text(e)} ms"
            for s, e in pairs
        ),
        f"  intake lag p50 / p95         {percentile(lag, 0.5) / 60:.1f} / {lag_p95 / 60:.1f} "
        "min (simulated: how late a mail was posted after it fell due)",
        f"  agents' actions              {len(actions)}, p50 {percentile(actions, 0.5):.0f} ms, "
        f"p95 {percentile(actions, 0.95):.0f} ms, refused {day.refused}",
        f"  peak quarter hour            {peak_at_1 * factor:.1f} mails/s at this compression; "
        f"{cores} cores carry the peak up to compression {most:.0f} "
        f"({1000 * per_ticket:.0f} ms CPU per ticket)",
        f"targets held at compression {factor:g}: {'yes' if held else 'no'}",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compress", type=float, default=60)
    parser.add_argument("--mails", type=int, default=14000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--apis", type=int, default=1)
    parser.add_argument("--history-sample", type=int, default=100)
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, compress=1440, mails=60, agents=10, history_sample=5)
    report("day", asyncio.run(run_day(args)), args.record)


if __name__ == "__main__":
    main()
