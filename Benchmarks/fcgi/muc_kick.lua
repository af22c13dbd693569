-- wrk script for the fcgi benchmark: POST /muc_kick with a JSON body.
--
-- Environment:
--   MK_AUTH       Authorization header value (default "wrong")
--   MK_EXPECT     expected HTTP status (default 200); others are counted
--   MK_ROOM       room JID (default kickroom@chat.example.org)
--   MK_NICK_BASE  first nick number (default 1)
--   MK_THREADS    wrk's -t (default 2), to interleave the threads' nicks
--
-- Every request kicks a distinct nickname u<k>: thread i (0-based) of T
-- uses k = MK_NICK_BASE + i + T*n for its n-th request, so no two requests
-- of a run (any thread, any connection) name the same occupant. The bodies
-- of all requests have the same shape whatever the expected status.
--
-- done() prints one machine-readable line:
--   RESULT wrk requests=.. secs=.. rps=.. p50_us=.. p99_us=.. max_us=..
--          bad_status=.. first_bad=.. connect_err=.. read_err=.. write_err=..
--          timeouts=.. nick_max=..

local auth = os.getenv("MK_AUTH") or "wrong"
local expect = tonumber(os.getenv("MK_EXPECT") or "200")
local room = os.getenv("MK_ROOM") or "kickroom@chat.example.org"
local base = tonumber(os.getenv("MK_NICK_BASE") or "1")
local nthreads = tonumber(os.getenv("MK_THREADS") or "2")

local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

-- per-thread globals (read back with thread:get in done()): tid (set by
-- setup), n (requests built), bad, first_bad
local headers = {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
}

function init(args)
    n = 0
    bad = 0
    first_bad = 0
end

function request()
    local k = base + tid + nthreads * n
    n = n + 1
    local body = '{"nickname":"u' .. k .. '","muc":"' .. room .. '","reason":"bench"}'
    return wrk.format("POST", "/muc_kick", headers, body)
end

function response(status, hdrs, body)
    if status ~= expect then
        bad = bad + 1
        if first_bad == 0 then first_bad = status end
    end
end

function done(summary, latency, requests)
    local bad_total, first, nmax = 0, 0, 0
    for _, t in ipairs(threads) do
        bad_total = bad_total + (t:get("bad") or 0)
        local f = t:get("first_bad") or 0
        if first == 0 and f ~= 0 then first = f end
        local tn = t:get("n") or 0
        local tt = t:get("tid") or 0
        local top = base + tt + nthreads * (tn - 1)
        if top > nmax then nmax = top end
    end
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "RESULT wrk requests=%d secs=%.3f rps=%.0f p50_us=%d p99_us=%d max_us=%d " ..
        "bad_status=%d first_bad=%d connect_err=%d read_err=%d write_err=%d timeouts=%d nick_max=%d\n",
        summary.requests, secs, summary.requests / secs,
        latency:percentile(50), latency:percentile(99), latency.max,
        bad_total, first, e.connect, e.read, e.write, e.timeout, nmax))
end
