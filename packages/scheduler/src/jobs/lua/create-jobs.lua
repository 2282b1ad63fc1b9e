--[[
  Admits several jobs of one tenant: for each, in order, checks its
  idempotency key, the tenant's jobs waiting and tokens held, its token rate
  and budget, reserves its quote and takes its tokens, then writes the record
  in state QUEUED (or DEFERRED, when admission placed it in a later window),
  indexes it and announces it. A job whose result admission found in the
  result cache is written SUCCEEDED with it, and takes neither tokens nor
  budget nor room. All at once, so that concurrent admissions never pass a
  limit together, nor create one key's job twice.

  Tokens held: each record created unfinished notes its tokens as "held" and
  adds them to the tenant's counter; transition.lua takes them off when the
  job reaches a final state (once: it zeroes the record's "held").

  Input:
    KEYS[1] tenant's jobs (ZSET, scored by creation time)
    KEYS[2] tenant's QUEUED jobs (ZSET)
    KEYS[3] tenant's events (STREAM)
    KEYS[4] tenant's token bucket (HASH: level, at)
    KEYS[5] tenant's ledger for the current budget period (HASH: spent, reserved, tokens, jobs)
    KEYS[6] tenant's DEFERRED jobs (ZSET)
    KEYS[7] tenant's SUCCEEDED jobs (ZSET)
    KEYS[8] tenant's tokens held by unfinished jobs (STRING)
    KEYS[9 .. 8+n] the job records (HASH), one per job
    KEYS[9+n .. 8+2n] the jobs' idempotency keys (STRING: the job id); a job without one repeats its record's key

    ARGV[1] now (and created at), ms
    ARGV[2] events stream max length (approximate)
    ARGV[3] fields every job of this call shares, a JSON object of strings
    ARGV[4] tokens per minute (0: no rate limit)
    ARGV[5] budget, dollars (0: none)
    ARGV[6] the current period's id
    ARGV[7] seconds to keep the ledger
    ARGV[8] seconds to keep a finished record (and its idempotency key)
    ARGV[9] jobs the tenant may have waiting, QUEUED and DEFERRED together
    ARGV[10] tokens the tenant's unfinished jobs may hold (0: no limit)
    then five per job: its fields (JSON object of strings, with "id", "sortKey" and "tokenCount";
    "state" DEFERRED with "plan" "window,start,price" for a deferred job, SUCCEEDED with "resultKind"
    for a cached one), its tokens (binary), its index score, its quoted price (reserved against the
    budget), and its cached result (binary) or ""

  Output, per job:
    1                         created
    0                         the record existed already
    {-1, ms}                  over the token rate: enough tokens are back in ms
    {-2, spent, reserved}     over the budget (spent and reserved as they stand)
    {-3, id}                  its idempotency key names job id already
    {-4, waiting}             the tenant has this many jobs waiting, its limit
    {-5, held}                its tokens would take the tenant's held tokens (this many now) past the limit
]]
local rcall = redis.call
local now = tonumber(ARGV[1])
local perMinute, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local retention = tonumber(ARGV[8])
local maxWaiting, maxHeld = tonumber(ARGV[9]), tonumber(ARGV[10])
local shared = { "seq", 1, "attempts", 0, "createdAt", ARGV[1], "period", ARGV[6] }
for f, v in pairs(cjson.decode(ARGV[3])) do
  shared[#shared + 1] = f
  shared[#shared + 1] = v
end

-- The token bucket holds one minute's worth, refilled continuously.
local level = perMinute
if perMinute > 0 then
  local b = rcall("HMGET", KEYS[4], "level", "at")
  if b[1] then
    level = math.min(perMinute, tonumber(b[1]) + (now - tonumber(b[2])) * perMinute / 60000)
  end
end
local ledger = rcall("HMGET", KEYS[5], "spent", "reserved")
local spent, reserved = tonumber(ledger[1] or "0"), tonumber(ledger[2] or "0")
local addedTokens, addedJobs, addedReserve = 0, 0, 0
-- The QUEUED and DEFERRED indexes hold exactly the tenant's waiting jobs: every move goes through transition.lua.
local waiting = rcall("ZCARD", KEYS[2]) + rcall("ZCARD", KEYS[6])
-- Every job created here unfinished holds its tokens (addedTokens, below) until its final move.
local held = tonumber(rcall("GET", KEYS[8]) or "0")

local function create(key, idem, fields, tokens, score, price, result)
  local state = fields.state or "QUEUED"
  -- One HSET a record: the fields every job of this call shares, then its own.
  local set = { unpack(shared) }
  set[#set + 1] = "state"
  set[#set + 1] = state
  for f, v in pairs(fields) do
    set[#set + 1] = f
    set[#set + 1] = v
  end
  if result ~= "" then
    -- From the result cache: finished as it is created.
    for _, f in ipairs({ "result", result, "cached", "1", "startedAt", ARGV[1], "finishedAt", ARGV[1], "reserved", 0 }) do set[#set + 1] = f end
  else
    for _, f in ipairs({ "tokens", tokens, "reserved", price, "held", fields.tokenCount }) do set[#set + 1] = f end
  end
  if idem ~= key then
    set[#set + 1] = "idem"
    set[#set + 1] = idem
    rcall("SET", idem, fields.id)
  end
  rcall("HSET", key, unpack(set))
  rcall("ZADD", KEYS[1], score, fields.id)
  rcall("ZADD", state == "DEFERRED" and KEYS[6] or state == "SUCCEEDED" and KEYS[7] or KEYS[2], score, fields.id)
  if state == "SUCCEEDED" and retention > 0 then
    rcall("EXPIRE", key, retention)
    if idem ~= key then rcall("EXPIRE", idem, retention) end
  end
  -- "id|state|seq|at|attempts|worker|plan|error", as transition.lua writes it.
  rcall("XADD", KEYS[3], "MAXLEN", "~", ARGV[2], "*", "e", fields.id .. "|" .. state .. "|1|" .. ARGV[1] .. "|0||" .. (fields.plan or "") .. "|")
end

local out = {}
local n = (#KEYS - 8) / 2
local a = 11
for k = 1, n do
  local key, idem = KEYS[8 + k], KEYS[8 + n + k]
  local fields, tokens, score, price, result = cjson.decode(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ARGV[a + 4]
  a = a + 5
  local need = tonumber(fields.tokenCount)
  local earlier = idem ~= key and rcall("GET", idem)
  if earlier then
    out[#out + 1] = { -3, earlier }
  elseif rcall("EXISTS", key) == 1 then
    out[#out + 1] = 0
  elseif result ~= "" then
    create(key, idem, fields, tokens, score, 0, result)
    addedJobs = addedJobs + 1
    out[#out + 1] = 1
  elseif waiting >= maxWaiting then
    out[#out + 1] = { -4, waiting }
  elseif maxHeld > 0 and held + addedTokens + need > maxHeld then
    out[#out + 1] = { -5, held + addedTokens }
  -- A job larger than the whole bucket passes when the bucket is full, and leaves it in debt.
  elseif perMinute > 0 and level < math.min(need, perMinute) then
    out[#out + 1] = { -1, math.ceil((math.min(need, perMinute) - level) * 60000 / perMinute) }
  elseif budget > 0 and spent + reserved + addedReserve + price > budget then
    out[#out + 1] = { -2, tostring(spent), tostring(reserved + addedReserve) }
  else
    level = level - need
    addedTokens = addedTokens + need
    addedJobs = addedJobs + 1
    addedReserve = addedReserve + price
    waiting = waiting + 1
    create(key, idem, fields, tokens, score, ARGV[a - 2], "")
    out[#out + 1] = 1
  end
end

if perMinute > 0 then
  rcall("HSET", KEYS[4], "level", string.format("%.17g", level), "at", ARGV[1])
  -- Kept until it would be full again (a missing bucket is a full one), debt included.
  rcall("PEXPIRE", KEYS[4], math.max(120000, math.ceil((perMinute - level) * 60000 / perMinute)))
end
if addedTokens > 0 then rcall("INCRBY", KEYS[8], addedTokens) end
if addedJobs > 0 then
  rcall("HINCRBYFLOAT", KEYS[5], "reserved", string.format("%.17g", addedReserve))
  rcall("HINCRBY", KEYS[5], "tokens", addedTokens)
  rcall("HINCRBY", KEYS[5], "jobs", addedJobs)
  rcall("EXPIRE", KEYS[5], ARGV[7])
end
return out
