"""The agents' console: server-rendered pages on the services the API uses (the same
rights, projects and ticket engine), signed in with a password and a session cookie.

- session.py: the session cookie, CSRF tokens, the signed-in agent of a request.
- i18n.py: the Russian and English catalogues (gettext, Babel), chosen per agent.
- pages.py: sign-in, queues, a queue, a ticket with its one-click actions, search,
  escalations, the agent's own tickets.
- templates/, static/: the pages and their one stylesheet and script (no inline script:
  the Content-Security-Policy allows none).
"""
