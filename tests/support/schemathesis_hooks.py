"""Schemathesis's hooks for the fuzzed API test (SCHEMATHESIS_HOOKS names this module):
raw mail (`message/rfc822`) is sent as the text schemathesis generates for it."""

import schemathesis

schemathesis.serializer.alias("message/rfc822", "text/plain")
