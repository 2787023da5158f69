#!/usr/bin/env python3
"""kill -9 in the middle of a load run: every webhook message that got a 200 must be handled exactly once.

Starts `kaamgar serve` on a fresh SQLite database with a small demo registry, sends signed webhook messages from many
threads (one new citizen each, "plumber chahiye <block> me"), kills the server with SIGKILL part-way, restarts it,
waits for the inbox to drain, and counts: messages that got a 200, stored inbox events, handled events, and bot
replies per citizen (each message must have exactly one reply).

    python3 scripts/bot_kill9.py [--binary target/release/kaamgar] [--messages 3000] [--kill-after 1.5]
"""
import argparse, hashlib, hmac, json, os, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

SECRET = "kill9-secret"
PLACES = ["marhaura", "chapra", "sonpur", "ekma", "dighwara", "parsa"]


def start(binary, db, port, log):
    env = dict(os.environ, KAAMGAR_DATABASE_URL=f"sqlite://{db}", KAAMGAR_ADDR=f"127.0.0.1:{port}",
               KAAMGAR_WHATSAPP_APP_SECRET=SECRET, KAAMGAR_WHATSAPP_VERIFY_TOKEN="v", KAAMGAR_LOG="warn")
    p = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return p
        except Exception:
            time.sleep(0.1)
    sys.exit("server did not start")


def body(i):
    wa = str(917000000000 + i)
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "K"}, "wa_id": wa}],
        "messages": [{"from": wa, "id": f"wamid.kill9.{i}", "timestamp": str(int(time.time())), "type": "text",
                      "text": {"body": f"plumber chahiye {PLACES[i % 6]} me"}}]}}]}]}).encode()


def send(port, i, ok):
    b = body(i)
    sig = "sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/whatsapp", data=b, method="POST",
                                 headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status == 200:
                ok.add(i)
    except Exception:
        pass


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--binary", default="target/release/kaamgar")
    a.add_argument("--messages", type=int, default=3000)
    a.add_argument("--kill-after", type=float, default=1.5)
    a.add_argument("--port", type=int, default=18089)
    args = a.parse_args()
    tmp = tempfile.mkdtemp(prefix="kaamgar-kill9-")
    db = os.path.join(tmp, "k.db")
    log = open(os.path.join(tmp, "serve.log"), "w")
    env = dict(os.environ, KAAMGAR_DATABASE_URL=f"sqlite://{db}")
    demo = os.path.join(tmp, "demo.csv")
    subprocess.run([args.binary, "demo-data", "--rows", "5000", "--bad-percent", "0", "--output", demo], env=env, check=True,
                   capture_output=True)
    subprocess.run([args.binary, "import", "workers", demo], env=env, check=True, capture_output=True)
    server = start(args.binary, db, args.port, log)
    ok, lock, nxt = set(), threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= args.messages:
                return
            send(args.port, i, ok)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    time.sleep(args.kill_after)
    server.send_signal(signal.SIGKILL)
    server.wait()
    killed_at = len(ok)
    for t in threads:
        t.join()
    server = start(args.binary, db, args.port, log)
    deadline = time.time() + 120
    con = sqlite3.connect(db)
    while time.time() < deadline:
        pending = con.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetchone()[0]
        if pending == 0:
            break
        time.sleep(0.5)
    stored = con.execute("SELECT COUNT(*) FROM inbox WHERE kind = 'message'").fetchone()[0]
    handled = con.execute("SELECT COUNT(*) FROM inbox WHERE kind = 'message' AND processed_at IS NOT NULL AND last_error IS NULL").fetchone()[0]
    replies = dict(con.execute("SELECT contact, COUNT(*) FROM outbox GROUP BY contact").fetchall())
    server.send_signal(signal.SIGTERM)
    server.wait()
    missing = [i for i in ok if replies.get(str(917000000000 + i), 0) == 0]
    twice = [c for c, n in replies.items() if n > 1]
    print(f"messages sent: {args.messages}; 200s: {len(ok)} ({killed_at} before the kill -9); "
          f"inbox events stored: {stored}; handled: {handled}; citizens answered: {len(replies)}; "
          f"200s without a reply: {len(missing)}; citizens answered more than once: {len(twice)}")
    sys.exit(1 if missing or twice or handled != stored else 0)


if __name__ == "__main__":
    main()
