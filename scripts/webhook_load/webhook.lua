-- wrk script: cycles through pre-signed, unique webhook notifications read from reqs.txt (make_requests.py).
-- wrk -t1 -c32 -d10s --latency -s scripts/webhook_load/webhook.lua http://127.0.0.1:8080
local reqs = {}
local n = 0
local i = 0
function init(args)
  for line in io.lines(args[1] or "reqs.txt") do
    local sig, body = line:match("^([^\t]+)\t(.*)$")
    n = n + 1
    reqs[n] = wrk.format("POST", "/webhooks/whatsapp",
      {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sig}, body)
  end
  i = math.random(0, n - 1)
end
function request()
  i = (i % n) + 1
  return reqs[i]
end
