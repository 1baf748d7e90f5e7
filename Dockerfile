# EM Lab in a container: one Streamlit server per container (a "replica").
# Build and run (see docs/DEPLOY.md for replicas behind a proxy):
#     docker build -t emlab .
#     docker run --rm -p 8501:8501 emlab          # then open http://localhost:8501
# Not built in this project's CI (its machines have no container engine): keep it simple.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NUMBA_CACHE_DIR=/app/.numba-cache

# Settings for many users (each overrides .streamlit/config.toml; docs/DEPLOY.md says why):
# no tracebacks or exception messages in the browser, only in the server log; uploads up to
# 50 MB (the limit the app's upload parser and README state); no browser to open, no usage
# statistics, no file watching in production.
ENV STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE=50 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false

RUN useradd --create-home --uid 10001 emlab \
    && mkdir -p /app/.numba-cache && chown -R emlab:emlab /app
WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=emlab:emlab . .
USER emlab
# Compile the numba kernels once into NUMBA_CACHE_DIR, so no request pays for it (a host
# with another CPU model recompiles on first use, which still works).
RUN python -m gmm_core.warmup
# plotly.js for the stepper's live charts (ui/live_chart.py), copied from the installed plotly
# into static/ now, so a container whose files are read-only at run time still has it.
RUN python -c "from ui.live_chart import plotly_js_ready; assert plotly_js_ready()"

EXPOSE 8501
# Streamlit answers "ok" on /_stcore/health once it serves; the proxy should probe it too.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(r.read().strip() != b'ok')"

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
