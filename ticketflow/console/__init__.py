"""The agents' console: server-rendered pages on the services the API uses (the same
rights, projects and ticket engine), signed in with a password and a session cookie.

- session.py: the session cookie, CSRF tokens, the signed-in agent of a request.
- i18n.py: the Russian and English catalogues (gettext, Babel), chosen per agent.
- rendering.py: the pages' templates and security headers. signin.py: signing in and
  out, the agent's language.
- pages.py: queues, a queue, a ticket with its one-click actions, search, escalations,
  the agent's own tickets, the supervisors' overview. live.py: their server-sent events.
- help_pages.py: the customer form at /help.
- report_page.py: the supervisors' dashboard at /reports; charts.py: its SVG charts.
- templates/, static/: the pages and their one stylesheet and script (no inline script:
  the Content-Security-Policy allows none).
"""
