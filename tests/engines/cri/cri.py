#!/usr/bin/python3
"""A minimal CRI client: the RuntimeService calls a kubelet makes for a pod,
one per invocation, for tests/engines/cri.sh. No kubelet or crictl is packaged
in Debian; this talks gRPC to containerd's CRI plugin over its unix socket.

    cri.py SOCKET version
    cri.py SOCKET runp POD.json HANDLER        -> prints the sandbox id
    cri.py SOCKET create POD-ID CTR.json POD.json -> prints the container id
    cri.py SOCKET start ID
    cri.py SOCKET exec ID TIMEOUT CMD...       stdout/stderr passed on, exits with CMD's status
    cri.py SOCKET status ID                    -> JSON: state, exit_code, reason, pid, cgroup
    cri.py SOCKET stop ID TIMEOUT              StopContainer: the image's stop signal, then SIGKILL
    cri.py SOCKET rm ID | stopp POD-ID | rmp POD-ID
    cri.py SOCKET handlers                     -> JSON: {handler: supports user namespaces}

POD.json and CTR.json are PodSandboxConfig and ContainerConfig in protobuf's
JSON mapping. The message classes come from api.proto (a subset of
k8s.io/cri-api runtime/v1), compiled at test time into $CRI_PYDIR.
"""
import json
import os
import sys

sys.path.insert(0, os.environ["CRI_PYDIR"])

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import api_pb2 as pb  # noqa: E402

SERVICE = "/runtime.v1.RuntimeService/"


def call(chan, method, req, resp_type, timeout=60):
    stub = chan.unary_unary(SERVICE + method, request_serializer=req.SerializeToString,
                            response_deserializer=resp_type.FromString)
    return stub(req, timeout=timeout)


def load(path, msg):
    with open(path) as f:
        return json_format.Parse(f.read(), msg)


def main(argv):
    sock, cmd, args = argv[1], argv[2], argv[3:]
    chan = grpc.insecure_channel("unix://" + sock)
    if cmd == "version":
        r = call(chan, "Version", pb.VersionRequest(version="v1"), pb.VersionResponse, 5)
        print(r.runtime_name, r.runtime_version, r.runtime_api_version)
    elif cmd == "runp":
        req = pb.RunPodSandboxRequest(config=load(args[0], pb.PodSandboxConfig()), runtime_handler=args[1])
        print(call(chan, "RunPodSandbox", req, pb.RunPodSandboxResponse, 120).pod_sandbox_id)
    elif cmd == "create":
        req = pb.CreateContainerRequest(pod_sandbox_id=args[0], config=load(args[1], pb.ContainerConfig()),
                                        sandbox_config=load(args[2], pb.PodSandboxConfig()))
        print(call(chan, "CreateContainer", req, pb.CreateContainerResponse, 120).container_id)
    elif cmd == "start":
        call(chan, "StartContainer", pb.StartContainerRequest(container_id=args[0]), pb.StartContainerResponse)
    elif cmd == "exec":
        t = int(args[1])
        r = call(chan, "ExecSync", pb.ExecSyncRequest(container_id=args[0], cmd=args[2:], timeout=t),
                 pb.ExecSyncResponse, t + 10)
        sys.stdout.buffer.write(r.stdout)
        sys.stderr.buffer.write(r.stderr)
        return r.exit_code
    elif cmd == "status":
        r = call(chan, "ContainerStatus", pb.ContainerStatusRequest(container_id=args[0], verbose=True),
                 pb.ContainerStatusResponse)
        info = json.loads(r.info.get("info", "{}"))
        spec = info.get("runtimeSpec", {})
        print(json.dumps({"state": pb.ContainerState.Name(r.status.state), "exit_code": r.status.exit_code,
                          "reason": r.status.reason, "message": r.status.message,
                          "started_at": r.status.started_at, "finished_at": r.status.finished_at,
                          "pid": info.get("pid", 0), "cgroup": spec.get("linux", {}).get("cgroupsPath", ""),
                          "log_path": r.status.log_path}))
    elif cmd == "stop":
        t = int(args[1])
        call(chan, "StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=t),
             pb.StopContainerResponse, t + 30)
    elif cmd == "rm":
        call(chan, "RemoveContainer", pb.RemoveContainerRequest(container_id=args[0]), pb.RemoveContainerResponse)
    elif cmd == "stopp":
        call(chan, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=args[0]), pb.StopPodSandboxResponse)
    elif cmd == "rmp":
        call(chan, "RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=args[0]),
             pb.RemovePodSandboxResponse)
    elif cmd == "handlers":
        r = call(chan, "Status", pb.StatusRequest(), pb.StatusResponse)
        print(json.dumps({h.name: h.features.user_namespaces for h in r.runtime_handlers}))
    else:
        print("cri.py: unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except grpc.RpcError as e:
        print("cri.py %s: %s: %s" % (sys.argv[2], e.code().name, e.details()), file=sys.stderr)
        sys.exit(1)
