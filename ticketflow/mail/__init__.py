"""Mail in and out: everything that knows RFC 5322 and the ways mail travels.

- parse: reading inbound messages with the standard library's `email` package.
- bounded: reading them within bounds (parts, depth, header size) or refusing with a reason.
- reader: reading them in worker processes, with a clock, in two lanes.
- turns: turns at the readers, in rotation among senders.
- charsets: decoding text whose declared charset lies, is missing or is unknown.
- attachments: attachments and inline images of a parsed message.
- sanitize: inbound HTML bounded, and made safe to show.
- addresses: comparing addresses as the same mailbox.
- authres: the Authentication-Results field our own mail server writes (did mail pass).
- forwards: a forwarded message (attached whole, or quoted as mail programs write it).
- loops: whether a message may get an automatic reply (loop protection).
- providers: Mailgun, Postmark and SendGrid webhooks turned into raw messages.
- webhook_auth: the shared secret inbound webhooks present.
- identity: who our mail comes from (senders, Message-ID domain, X-Loop, subject tag).
- compose: building outbound messages (threading headers, no injection, loop marks).
- transport: delivering outbound mail over SMTP, or into a Maildir outbox.
"""
