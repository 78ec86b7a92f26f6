# One image for the API and the worker; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md api.py worker.py ./
COPY ticketflow ticketflow
COPY workflows workflows
COPY activities activities
COPY templates templates
RUN pip install --no-cache-dir -e .
ENV TICKETFLOW_DATA_DIR=/data
RUN useradd --system ticketflow && mkdir -p /data && chown ticketflow /data
USER ticketflow
CMD ["ticketflow", "api", "--host", "0.0.0.0", "--port", "8000"]
