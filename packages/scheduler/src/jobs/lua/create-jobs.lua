--[[
  Admits several jobs of one tenant: for each, in order, checks the tenant's
  token rate and budget, reserves its quote and takes its tokens, then writes
  the record in state QUEUED (or DEFERRED, when admission placed it in a
  later window), indexes it and announces it. All at once, so
  that concurrent admissions never pass a limit together.

  Input:
    KEYS[1] tenant's jobs (ZSET, scored by creation time)
    KEYS[2] tenant's QUEUED jobs (ZSET)
    KEYS[3] tenant's events (STREAM)
    KEYS[4] tenant's token bucket (HASH: level, at)
    KEYS[5] tenant's ledger for the current budget period (HASH: spent, reserved, tokens, jobs)
    KEYS[6] tenant's DEFERRED jobs (ZSET)
    KEYS[7..] the job records (HASH), one per job

    ARGV[1] now (and created at), ms
    ARGV[2] events stream max length (approximate)
    ARGV[3] fields every job of this call shares, a JSON object of strings
    ARGV[4] tokens per minute (0: no rate limit)
    ARGV[5] budget, dollars (0: none)
    ARGV[6] the current period's id
    ARGV[7] seconds to keep the ledger
    then four per job: its fields (JSON object of strings, with "id", "sortKey" and "tokenCount";
    "state" DEFERRED with "plan" "window,start,price" for a deferred job),
    its tokens (binary), its index score, and its quoted price (reserved against the budget)

  Output, per job:
    1                         created
    0                         the record existed already
    {-1, ms}                  over the token rate: enough tokens are back in ms
    {-2, spent, reserved}     over the budget (spent and reserved as they stand)
]]
local rcall = redis.call
local now = tonumber(ARGV[1])
local perMinute, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local shared = { "state", "QUEUED", "seq", 1, "attempts", 0, "createdAt", ARGV[1], "period", ARGV[6] }
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

local out = {}
local a = 8
for k = 7, #KEYS do
  local fields, tokens, score, price = cjson.decode(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  local need = tonumber(fields.tokenCount)
  if rcall("EXISTS", KEYS[k]) == 1 then
    out[#out + 1] = 0
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
    local set = { "tokens", tokens, "reserved", ARGV[a - 1] }
    for f, v in pairs(fields) do
      set[#set + 1] = f
      set[#set + 1] = v
    end
    rcall("HSET", KEYS[k], unpack(shared))
    rcall("HSET", KEYS[k], unpack(set))
    local state = fields.state or "QUEUED"
    rcall("ZADD", KEYS[1], score, fields.id)
    rcall("ZADD", state == "DEFERRED" and KEYS[6] or KEYS[2], score, fields.id)
    -- "id|state|seq|at|attempts|worker|plan|error", as transition.lua writes it.
    rcall("XADD", KEYS[3], "MAXLEN", "~", ARGV[2], "*", "e", fields.id .. "|" .. state .. "|1|" .. ARGV[1] .. "|0||" .. (fields.plan or "") .. "|")
    out[#out + 1] = 1
  end
end

if perMinute > 0 then
  rcall("HSET", KEYS[4], "level", string.format("%.17g", level), "at", ARGV[1])
  rcall("PEXPIRE", KEYS[4], 120000)
end
if addedJobs > 0 then
  rcall("HINCRBYFLOAT", KEYS[5], "reserved", string.format("%.17g", addedReserve))
  rcall("HINCRBY", KEYS[5], "tokens", addedTokens)
  rcall("HINCRBY", KEYS[5], "jobs", addedJobs)
  rcall("EXPIRE", KEYS[5], ARGV[7])
end
return out
