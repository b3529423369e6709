#!/usr/bin/python3
"""A real RTSP server for tests: GStreamer's RTSP server (gst-rtsp-server through PyGObject)
serving a generated test pattern on 127.0.0.1.
  RTSP_PORT       /campus/room101: H.264 video, no authentication
  RTSP_AUTH_PORT  /campus/secure: the same, behind Digest authentication (viewer / viewerpw)
Prints both ports once listening, then serves until killed. RTSP_PORT and RTSP_AUTH_PORT in the
environment fix the ports (default: free ones).
Runs with Debian's /usr/bin/python3, which has the gi bindings."""
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = ("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 "
            "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
            "! rtph264pay name=pay0 pt=96 config-interval=1 )")


def factory():
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(PIPELINE)
    # Not shared: each client gets its own pipeline, so one client's teardown never races the next
    # client's DESCRIBE (a shared media answers 503 while it unprepares).
    f.set_shared(False)
    return f


def permissions(role):
    p = GstRtspServer.RTSPPermissions()
    p.add_role(role)
    p.add_permission_for_role(role, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    p.add_permission_for_role(role, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    return p


def token(role):
    t = GstRtspServer.RTSPToken()
    t.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, role)
    return t


def serve(mounts_to_factories, auth=None, port="0"):
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    if auth:
        server.set_auth(auth)
    mounts = server.get_mount_points()
    for path, f in mounts_to_factories.items():
        mounts.add_factory(path, f)
    server.attach(None)
    return server.get_bound_port()


def main():
    Gst.init(None)
    # Two servers: an open one, and one whose streams need Digest credentials (a request without
    # them gets 401 and a challenge, as from an IP camera).
    open_port = serve({"/campus/room101": factory()}, port=os.environ.get("RTSP_PORT", "0"))
    auth = GstRtspServer.RTSPAuth()
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    auth.add_digest("viewer", "viewerpw", token("viewer"))
    secure = factory()
    secure.set_permissions(permissions("viewer"))
    auth_port = serve({"/campus/secure": secure}, auth, os.environ.get("RTSP_AUTH_PORT", "0"))
    print(f"RTSP_PORT={open_port}", flush=True)
    print(f"RTSP_AUTH_PORT={auth_port}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
