#!/usr/bin/env python3
"""Writes N unique, signed WhatsApp webhook notifications (one text message each, from 50,000 senders) for
wrk (scripts/webhook_load/webhook.lua): one line per request, "<X-Hub-Signature-256>\t<body>".

Usage: make_requests.py SECRET N > reqs.txt
"""
import hashlib
import hmac
import json
import sys

secret = sys.argv[1].encode()
n = int(sys.argv[2])
for i in range(n):
    sender = f"9198{i % 50000:08d}"
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "U"}, "wa_id": sender}],
                "messages": [{"from": sender, "id": f"wamid.load{i}", "timestamp": "1749416383",
                              "type": "text", "text": {"body": "plumber chahiye marhaura me"}}],
            }}]}],
        },
        separators=(",", ":"),
    )
    sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    print(sig + "\t" + body)
