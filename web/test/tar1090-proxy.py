"""One origin for tar1090's page and picket's /data, for scripts/check-tar1090.sh.

    python3 tar1090-proxy.py HTML_DIR PICKET_URL PORT_FILE

Serves tar1090's files from HTML_DIR and passes every /data/... request to picket at
PICKET_URL (nothing else goes to picket); binds 127.0.0.1 on a free port and writes the
port to PORT_FILE. GET /__log answers what was asked, by path and status (the 404s are what
tar1090 looked for and neither serves). A throwaway for the check, not a server for users.
"""
import http.server
import json
import os
import sys
import threading
import urllib.error
import urllib.request

root, upstream, port_file = sys.argv[1], sys.argv[2].rstrip('/'), sys.argv[3]
log = {}
lock = threading.Lock()
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def note(self, code):
        path = self.path.split('?')[0]
        with lock:
            log.setdefault(path, {}).setdefault(str(code), 0)
            log[path][str(code)] += 1
    def do_GET(self):
        if self.path.startswith('/__log'):
            with lock:
                body = json.dumps(log).encode()
            self.send_response(200); self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
            return
        if self.path.startswith('/data/'):
            try:
                with urllib.request.urlopen(upstream + self.path, timeout=10) as r:
                    body, code, ctype = r.read(), r.status, r.headers.get('Content-Type', 'application/json')
            except urllib.error.HTTPError as e:
                body, code, ctype = e.read(), e.code, e.headers.get('Content-Type', 'text/plain')
            self.note(code)
            self.send_response(code); self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
            return
        super().do_GET()
    def send_response(self, code, message=None):
        if not self.path.startswith('/data/') and not self.path.startswith('/__log'):
            self.note(code)
        super().send_response(code, message)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
with open(port_file + '.tmp', 'w') as f:
    f.write(str(s.server_address[1]))
os.replace(port_file + '.tmp', port_file)
s.serve_forever()
