-- wrk script for the fcgi benchmark: POST /muc_kick with a JSON body.
--
-- Environment:
--   MK_AUTH       Authorization header value (default "wrong")
--   MK_EXPECT     expected HTTP status class: 200 (default) or an error code
--                 such as 401. No response() callback is defined (it would make
--                 wrk hand every response to Lua, a cost measured in both
--                 sides); wrk's own count of non-2xx/3xx responses is used:
--                 bad = that count when 200 is expected, else requests - count.
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
--          bad_status=.. non2xx=.. connect_err=.. read_err=.. write_err=..
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
-- setup), n (requests built)
local headers = {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
}

function init(args)
    n = 0
end

function request()
    local k = base + tid + nthreads * n
    n = n + 1
    local body = '{"nickname":"u' .. k .. '","muc":"' .. room .. '","reason":"bench"}'
    return wrk.format("POST", "/muc_kick", headers, body)
end

function done(summary, latency, requests)
    local nmax = 0
    for _, t in ipairs(threads) do
        local tn = t:get("n") or 0
        local tt = t:get("tid") or 0
        local top = base + tt + nthreads * (tn - 1)
        if top > nmax then nmax = top end
    end
    local secs = summary.duration / 1e6
    local e = summary.errors
    local bad = e.status
    if expect >= 300 then bad = summary.requests - e.status end
    io.write(string.format(
        "RESULT wrk requests=%d secs=%.3f rps=%.0f p50_us=%d p99_us=%d max_us=%d " ..
        "bad_status=%d non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d nick_max=%d\n",
        summary.requests, secs, summary.requests / secs,
        latency:percentile(50), latency:percentile(99), latency.max,
        bad, e.status, e.connect, e.read, e.write, e.timeout, nmax))
end
