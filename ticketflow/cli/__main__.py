from ticketflow.cli.main import run

run()
