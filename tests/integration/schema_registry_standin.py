"""schema_registry_standin.py -- a tiny stand-in for a Confluent Schema Registry (tests only).

No Schema Registry server is packaged for Debian, so the registry tests talk to
this: the two endpoints sluice uses, HTTP basic auth, and request counters.
  POST /subjects/{subject}/versions  {"schema": "..."} -> {"id": N}
  GET  /schemas/ids/{id}             -> {"schema": "..."} or 404
  GET  /_stats                       -> {"<METHOD> <path>": count, ...} (not counted, no auth)
Usage: schema_registry_standin.py PORT_FILE USER:PASSWORD [ID=SCHEMA_FILE ...]
Binds 127.0.0.1 on a free port and writes the port to PORT_FILE.
"""
import base64
import collections
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, credentials = sys.argv[1], sys.argv[2]
AUTH = "Basic " + base64.b64encode(credentials.encode()).decode()
schemas = {}                 # id -> schema text
subjects = {}                # (subject, schema text) -> id
counts = collections.Counter()
for arg in sys.argv[3:]:
    sid, path = arg.split("=", 1)
    with open(path) as f:
        schemas[int(sid)] = f.read()
next_id = [100]


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        counts[f"{self.command} {self.path}"] += 1
        if self.headers.get("Authorization") == AUTH:
            return True
        self.reply(401, {"error_code": 40101, "message": "Unauthorized"})
        return False

    def do_GET(self):
        if self.path == "/_stats":
            return self.reply(200, counts)
        if not self.authorized():
            return
        parts = self.path.split("/")
        if len(parts) == 4 and parts[1:3] == ["schemas", "ids"] and parts[3].isdigit():
            sid = int(parts[3])
            if sid in schemas:
                return self.reply(200, {"schema": schemas[sid]})
            return self.reply(404, {"error_code": 40403, "message": f"Schema {sid} not found"})
        self.reply(404, {"error_code": 404, "message": "no such endpoint"})

    def do_POST(self):
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        parts = self.path.split("/")
        if len(parts) != 4 or parts[1] != "subjects" or parts[3] != "versions":
            return self.reply(404, {"error_code": 404, "message": "no such endpoint"})
        key = (parts[2], body["schema"])
        if key not in subjects:
            subjects[key] = next_id[0]
            schemas[next_id[0]] = body["schema"]
            next_id[0] += 1
        self.reply(200, {"id": subjects[key]})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
