--[[
  Moves several jobs of one tenant, each from one of its allowed states to a
  new one: sets fields, bumps seq, moves it between the state indexes and
  appends the change to the tenant's event stream, all at once, so events are
  never out of order and a final state is reached only once.

  Two guards tie a move to one batch, so that a batch formed twice (a crash
  between forming and claiming, two replicas) or run again after a stall
  never runs or settles a job that another batch owns:
    if-attempts  a QUEUED job moves only if its attempts equal this (the
                 attempts its queue entry was made with)
    if-batch     a RUNNING job moves only if its batchId equals this

  Input:
    KEYS[1] tenant's events (STREAM)
    KEYS[2..6] tenant's state indexes: QUEUED RUNNING SUCCEEDED FAILED CANCELLED
    KEYS[7..] the job records (HASH), one per move

    ARGV[1] now, ms
    ARGV[2] events stream max length (approximate)
    ARGV[3] seconds to keep a record that reaches a final state (0 keeps it)
    then per move: from-states (comma-separated), to-state, count-attempt (1|0),
      if-attempts (-1: none), if-batch ("": none), return-tokens (1|0),
      n, then n field, value pairs to set

  Output, per move:
    {seq, attempts[, tokens]}  done
    {-1, state}                the job's state (or a guard) does not allow the move
    {-2}                       no such job (never created, or expired)
]]
local rcall = redis.call
local STATE_KEYS = { QUEUED = KEYS[2], RUNNING = KEYS[3], SUCCEEDED = KEYS[4], FAILED = KEYS[5], CANCELLED = KEYS[6] }
local FINAL = { SUCCEEDED = true, FAILED = true, CANCELLED = true }
local ttl = tonumber(ARGV[3])

local function allowed(key, current, from, ifAttempts, ifBatch)
  local ok = false
  for s in string.gmatch(from, "[^,]+") do
    if s == current then ok = true end
  end
  if not ok then return false end
  if current == "QUEUED" and ifAttempts >= 0 then
    return tonumber(rcall("HGET", key, "attempts")) == ifAttempts
  end
  if current == "RUNNING" and ifBatch ~= "" then
    return rcall("HGET", key, "batchId") == ifBatch
  end
  return true
end

local out = {}
local a = 4
for k = 7, #KEYS do
  local key = KEYS[k]
  local from, to, countAttempt = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local ifAttempts, ifBatch, wantTokens = tonumber(ARGV[a + 3]), ARGV[a + 4], ARGV[a + 5] == "1"
  local n = tonumber(ARGV[a + 6])
  local first = a + 7
  a = first + 2 * n
  local current = rcall("HGET", key, "state")
  if not current then
    out[#out + 1] = { -2 }
  elseif not allowed(key, current, from, ifAttempts, ifBatch) then
    out[#out + 1] = { -1, current }
  else
    if n > 0 then rcall("HSET", key, unpack(ARGV, first, a - 1)) end
    local seq = rcall("HINCRBY", key, "seq", 1)
    local attempts = rcall("HINCRBY", key, "attempts", countAttempt)
    rcall("HSET", key, "state", to)
    local f = rcall("HMGET", key, "id", "sortKey", "error", "workerId")
    if current ~= to then
      rcall("ZREM", STATE_KEYS[current], f[1])
      rcall("ZADD", STATE_KEYS[to], f[2], f[1])
    end
    local reply = { seq, attempts }
    if FINAL[to] then
      -- The tokens were kept only to run the job.
      rcall("HDEL", key, "tokens")
      if ttl > 0 then rcall("EXPIRE", key, ttl) end
    elseif wantTokens then
      reply[3] = rcall("HGET", key, "tokens")
    end
    rcall("XADD", KEYS[1], "MAXLEN", "~", ARGV[2], "*",
      "id", f[1], "state", to, "seq", seq, "at", ARGV[1], "attempts", attempts,
      "error", f[3] or "", "worker", f[4] or "")
    out[#out + 1] = reply
  end
end
return out
