# One image for every Between instance. Configure with REDIS_URL and BETWEEN_* variables.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY channels ./channels
COPY moderation ./moderation
COPY static ./static
RUN pip install --no-cache-dir -e . && useradd --system --home /app between
USER between
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz').status == 200 else 1)"
CMD ["between", "serve", "--host", "0.0.0.0", "--port", "8000"]
