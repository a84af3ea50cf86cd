"""Beam's Python SDK worker pool (EXTERNAL environment) for several TaskManagers on one machine,
bound to 127.0.0.1 only.

Beam's `python -m apache_beam.runners.worker.worker_pool_main` listens on every interface
([::]) and keeps one process per worker id. Each TaskManager numbers its workers itself
("1-1", "2-1", ...), so two TaskManagers sharing one pool ask for the same ids, and a
StopWorker from one killed the other's worker mid-bundle (measured: tasks failed with "No
client connected within timeout" and the job hung). Here a worker is stopped by id only when
that id is held by one live process; otherwise it is left to exit by itself, which an SDK
harness does as soon as its runner closes the control stream (always before StopWorker).
Usage: python deploy/flink/local/worker_pool.py PORT [HOME] (HOME, unused, names the cluster
in the command line, which cluster.sh checks before it signals the pid)
"""
import atexit
import collections
import logging
import signal
import subprocess
import sys
import time

import grpc
from apache_beam.portability.api import beam_fn_api_pb2, beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import (BeamFnExternalWorkerPoolServicer,
                                                         kill_process_gracefully)
from apache_beam.utils import thread_pool_executor


class SharedWorkerPool(BeamFnExternalWorkerPoolServicer):
    def __init__(self):
        super().__init__(use_process=True, data_buffer_time_limit_ms=-1)
        self._by_id = collections.defaultdict(list)

    def StartWorker(self, request, context):
        command = ["python", "-c",
                   "from apache_beam.runners.worker.sdk_worker import SdkHarness; "
                   f"SdkHarness({request.control_endpoint.url!r}, "
                   f"worker_id={request.worker_id!r}, state_cache_size=0, "
                   "data_buffer_time_limit_ms=-1).run()"]
        logging.info("starting worker %s for %s", request.worker_id,
                     request.control_endpoint.url)
        # the worker's output goes to the pool's log (Beam's pool pipes it and never reads it)
        self._by_id[request.worker_id].append(subprocess.Popen(command, close_fds=True))
        return beam_fn_api_pb2.StartWorkerResponse()

    def StopWorker(self, request, context):
        live = [p for p in self._by_id.pop(request.worker_id, []) if p.poll() is None]
        if len(live) == 1:
            logging.info("stopping worker %s", request.worker_id)
            kill_process_gracefully(live[0])
        elif live:
            # not knowing whose it is, leave each to exit when its runner closes it
            self._by_id[request.worker_id] = live
        return beam_fn_api_pb2.StopWorkerResponse()

    def stop_all(self):
        for processes in self._by_id.values():
            for p in processes:
                if p.poll() is None:
                    kill_process_gracefully(p)


def main(port: int) -> None:
    logging.basicConfig(level=logging.INFO)
    # the gRPC options Beam's worker_pool_main sets: idle connections from runners are kept
    server = grpc.server(thread_pool_executor.shared_unbounded_instance(),
                         options=[("grpc.http2.max_pings_without_data", 0),
                                  ("grpc.http2.max_ping_strikes", 0)])
    if not server.add_insecure_port(f"127.0.0.1:{port}"):
        sys.exit(f"worker pool: cannot listen on 127.0.0.1:{port}")
    pool = SharedWorkerPool()
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(pool, server)
    server.start()
    atexit.register(pool.stop_all)
    # a stop by SIGTERM runs the atexit above, which stops the SDK workers it started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging.info("worker pool listening on 127.0.0.1:%s", port)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(int(sys.argv[1]))
