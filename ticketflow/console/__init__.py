"""The agents' console and the customers' help pages: server-rendered pages, a face over
the service (the same policy, projects and ticket engine as the API), signed in with a
password and a session cookie.

- app: its place in the application, and a refusal as a page.
- session: the session cookie, CSRF tokens, the signed-in agent of a request, forms.
- i18n: the Russian and English catalogues (gettext, Babel), chosen per agent, and the
  domain's words (states, actions, directions, rights) in them.
- rendering: the pages' templates and security headers.
- times: a moment in the desk's zone, with its age. quotes: a reply's quote, folded.
- signin: signing in and out, the agent's language.
- pages: queues, a queue and its next ticket, a ticket with the actions it offers, the
  notice of what was just done and its undo, search, escalations, the agent's own
  tickets, the overview. live: their server-sent events.
- access_pages: the Passwords tools on a ticket's page (the verification, the claims form)
  and the account panel, fetched after the page.
- bulk_pages: a queue view's selection acted on at once, each ticket's result shown.
- incident_pages: incidents listed and made; an incident's progress and orders; a selection linked.
- help_pages: the customer form at /help (its intake is the service's).
- report_page: the supervisors' dashboard at /reports. charts: its SVG charts.
- templates/, static/, locale/: the pages, their one stylesheet and script (no inline
  script: the Content-Security-Policy allows none), their catalogues.
"""
