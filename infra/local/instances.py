"""Lambda instances as processes: an SQS mapping's concurrent batches on every core of this machine.

The local stack runs handlers as threads of its own process, which also runs moto, the HTTP API and the local
Twilio: however many batches a mapping has in flight, Python runs one thread at a time, so a burst is bound by
one core. Here each instance is a child process (as on Lambda: its own interpreter, its own module globals,
one event at a time) that imports the function's handler once (its cold start) and then handles the events
it is sent. Instances are started as a mapping needs them, up to its concurrency, and kept warm until the
stack stops.

The child inherits this process's environment (the stack's: moto's endpoint, the local Twilio, the table
names), so its SDK calls reach the same moto server. Its logs go to this process's stdout and stderr, as the
in-process handlers' do. Events and responses cross as JSON lines: stdin carries events, a pipe of its own
carries responses (stdout stays the function's log).

Opt-in (`LocalStack.instances_in_processes`): what this process counts with botocore hooks (bench request
counts) or patches in handler modules (tests) does not reach a child.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]


class InstanceError(RuntimeError):
    """The handler raised, or the instance died: the batch is retried after its visibility timeout."""


class _Instance:
    def __init__(self, function: Any) -> None:
        read_fd, write_fd = os.pipe()
        spec = {
            "handler": function.handler_path,
            "paths": [str(p) for p in function.code_paths],
            "name": function.name,
            "arn": function.arn,
            "memory_mb": function.memory_mb,
            "timeout_s": function.timeout_s,
        }
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "infra.local.instances", json.dumps(spec), str(write_fd)],
            stdin=subprocess.PIPE,
            pass_fds=(write_fd,),
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *spec["paths"]])},
            text=True,
        )
        os.close(write_fd)
        self.replies: IO[str] = os.fdopen(read_fd, "r")

    def invoke(self, event: Any) -> Any:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(event) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise InstanceError(f"instance gone: {error}") from error
        line = self.replies.readline()
        if not line:
            raise InstanceError(f"instance exited with {self.process.wait()}")
        reply = json.loads(line)
        if "error" in reply:
            raise InstanceError(reply["error"])
        return reply["result"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.replies.close()


class ProcessInstances:
    """A function's warm instances: an idle one takes the event, else a new one starts (the caller bounds how
    many events are in flight at once, so this is bounded too)."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self._idle: list[_Instance] = []
        self._all: list[_Instance] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def started(self) -> int:
        return len(self._all)

    def invoke(self, event: Any) -> Any:
        with self._lock:
            if self._closed:
                raise InstanceError("instances stopped")
            instance = self._idle.pop() if self._idle else None
        if instance is None:
            instance = _Instance(self.function)
            with self._lock:
                self._all.append(instance)
        try:
            result = instance.invoke(event)
        except InstanceError:
            if instance.process.poll() is not None:  # a dead instance is not reused
                with self._lock:
                    self._all.remove(instance)
                instance.close()
            else:
                self._give_back(instance)
            raise
        self._give_back(instance)
        return result

    def _give_back(self, instance: _Instance) -> None:
        with self._lock:
            if self._closed:
                instance.close()
            else:
                self._idle.append(instance)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for instance in idle:
            instance.close()


# --- the child ----------------------------------------------------------------------------------------------


class _Context:
    """The Lambda context a handler reads (as infra.local.lambdas.LambdaContext)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.function_name = spec["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec["arn"]
        self.memory_limit_in_mb = spec["memory_mb"]
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec['name']}"
        self.log_stream_name = "local-process"
        self._deadline = time.monotonic() + spec["timeout_s"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _serve(spec: dict[str, Any], replies: IO[str]) -> None:
    for path in reversed(spec["paths"]):
        if path not in sys.path:
            sys.path.insert(0, path)
    module_name, _, attribute = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    for line in sys.stdin:
        try:
            reply: dict[str, Any] = {"result": handler(json.loads(line), _Context(spec))}
        except Exception as error:  # noqa: BLE001 - reported to the mapping, which retries the batch
            reply = {"error": type(error).__name__}  # its text may quote a resident: the type only
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    with os.fdopen(int(sys.argv[2]), "w") as out:
        _serve(json.loads(sys.argv[1]), out)
