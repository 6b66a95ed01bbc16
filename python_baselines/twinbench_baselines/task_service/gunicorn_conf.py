"""gunicorn settings of the task service's API (seed 004's deployment):
sync workers, one per core, loopback only. The command line may override
``bind`` (the tests and benchmarks ask for port 0) but never the host.

Run from python_baselines/:
    gunicorn -c twinbench_baselines/task_service/gunicorn_conf.py \
        'twinbench_baselines.task_service.app:create_app()'
"""

import os

workers = os.cpu_count() or 1
worker_class = "sync"
bind = ["127.0.0.1:8080"]
# A stop (SIGTERM) waits at most this long for requests in flight.
graceful_timeout = 5
control_socket_disable = True  # parallel instances would share ~/.gunicorn/gunicorn.ctl


def post_worker_init(worker):
    """Logged once a worker has loaded the app: the line
    twinbench_http::process counts to know every worker is ready."""
    worker.log.info("twinbench: worker %s ready", worker.pid)


def on_starting(server):
    """Refuses any TCP address beyond loopback before binding, as
    twinbench-serve does: this benchmark server never serves the network."""
    import ipaddress

    for address in server.cfg.bind:
        if address.startswith(("unix:", "fd://")):
            continue
        host = address.rsplit(":", 1)[0].strip("[]")
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise SystemExit(
                f"refusing to listen on {address}: not a loopback address; "
                "fix: bind 127.0.0.1 (or ::1)")
