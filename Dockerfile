# One image for the API, the worker, smtpd and setup; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md api.py worker.py ./
COPY ticketflow ticketflow
COPY workflows workflows
COPY activities activities
COPY templates templates
# A regular (not editable) install: the wheel carries the templates, desk and migrations.
RUN pip install --no-cache-dir . && rm -rf /src
WORKDIR /
ENV TICKETFLOW_DATA_DIR=/data
RUN useradd --system ticketflow && mkdir -p /data && chown ticketflow /data
USER ticketflow
CMD ["ticketflow", "api", "--host", "0.0.0.0", "--port", "8000"]
