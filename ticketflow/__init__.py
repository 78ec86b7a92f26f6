"""Ticketflow: a help-desk ticket lifecycle engine on Temporal."""
