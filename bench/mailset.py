"""A realistic, reproducible inbound mail set for the benchmarks.

Distinct senders; plain and HTML; a few hundred bytes to tens of KB; ~10% with an
attachment; ~20% replies to earlier mails of the set; Russian, English and Turkish.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

TEXTS = {
    "en": [
        "I cannot log in to my mailbox since yesterday, the password is not accepted.",
        "My mail program stopped receiving messages after the update.",
        "Somebody sends spam from my address, please help me to secure the account.",
        "How do I set up forwarding to another address?",
    ],
    "ru": [
        "Не могу войти в почтовый ящик со вчерашнего дня, пароль не подходит.",
        "Почтовая программа перестала получать письма после обновления.",
        "С моего адреса рассылают спам, помогите защитить аккаунт.",
        "Как настроить пересылку писем на другой адрес?",
    ],
    "tr": [
        "Dünden beri posta kutuma giriş yapamıyorum, şifre kabul edilmiyor.",
        "Güncellemeden sonra e-posta programım mesaj almayı bıraktı.",
        "Adresimden spam gönderiliyor, lütfen hesabımı korumama yardım edin.",
        "Başka bir adrese yönlendirmeyi nasıl ayarlarım?",
    ],
}
SUBJECTS = {
    "en": ["Cannot log in", "Mail client problem", "Spam from my address", "Forwarding"],
    "ru": ["Не могу войти", "Проблема с почтовой программой", "Спам с моего адреса", "Пересылка"],
    "tr": ["Giriş yapamıyorum", "E-posta programı sorunu", "Adresimden spam", "Yönlendirme"],
}


def make_mailset(count: int = 2000, seed: int = 7, reply_share: float = 0.2) -> list[bytes]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    mails: list[bytes] = []
    originals: list[tuple[str, str, str]] = []  # (message-id, subject, sender)
    for i in range(count):
        lang = rng.choice(["en", "ru", "tr"])
        is_reply = originals and rng.random() < reply_share
        if is_reply:
            parent_id, parent_subject, sender = rng.choice(originals)
            subject = f"Re: {parent_subject}"
        else:
            parent_id = None
            topic = rng.randrange(4)
            subject = SUBJECTS[lang][topic]
            sender = f"user{i}@example{i % 50}.org"
        msg = EmailMessage()
        msg["From"] = f"User {i} <{sender}>"
        msg["To"] = rng.choice(["support@example.com", "abuse@example.com", "security@example.com"])
        msg["Subject"] = subject
        msg["Date"] = format_datetime(start + timedelta(seconds=i * 7))
        msg_id = make_msgid(idstring=f"bench{i}", domain=f"example{i % 50}.org")
        msg["Message-ID"] = msg_id
        if parent_id:
            msg["In-Reply-To"] = parent_id
            msg["References"] = parent_id
        # A few hundred bytes to tens of KB: repeat the paragraph.
        paragraphs = rng.choice([1, 1, 2, 4, 10, 40])
        text = "\n\n".join(rng.choice(TEXTS[lang]) for _ in range(paragraphs))
        msg.set_content(text + f"\n\n-- \nUser {i}\n")
        if rng.random() < 0.3:
            html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            msg.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
        if rng.random() < 0.1:
            blob = rng.randbytes(rng.randrange(2_000, 40_000))
            msg.add_attachment(
                blob, maintype="application", subtype="pdf", filename=f"screenshot-{i}.pdf"
            )
        mails.append(msg.as_bytes())
        if not is_reply:
            originals.append((msg_id, subject, sender))
    return mails


def count_new(mails: list[bytes]) -> int:
    return sum(1 for m in mails if b"\nIn-Reply-To:" not in m.split(b"\n\n", 1)[0])
