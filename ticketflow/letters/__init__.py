"""What our mail says: bodies rendered from the jinja2 templates.

- rendering: the template environment and the text and HTML parts of each kind of mail.
- answers: agents' mail: their own text or an answer template, in the customer's language.
"""
