--[[
  Moves a job from one of the allowed states to a new one: sets fields,
  bumps seq, moves it between the state indexes and appends the change to
  the tenant's event stream, all at once, so events are never out of order
  and a final state is reached only once.

  Input:
    KEYS[1] job record (HASH)
    KEYS[2] tenant's events (STREAM)
    KEYS[3..7] tenant's state indexes: QUEUED RUNNING SUCCEEDED FAILED CANCELLED

    ARGV[1] allowed from-states, comma-separated
    ARGV[2] new state
    ARGV[3] now, ms
    ARGV[4] events stream max length (approximate)
    ARGV[5] seconds to keep the record when the new state is final (0 keeps it)
    ARGV[6] 1 to count an attempt, else 0
    ARGV[7..] field, value pairs to set

  Output:
    {seq, attempts}     done
    {-1, state}         the job is in a state the move is not allowed from
    {-2}                no such job (never created, or expired)
]]
local rcall = redis.call
local STATE_KEYS = { QUEUED = KEYS[3], RUNNING = KEYS[4], SUCCEEDED = KEYS[5], FAILED = KEYS[6], CANCELLED = KEYS[7] }

local current = rcall("HGET", KEYS[1], "state")
if not current then
  return { -2 }
end
local allowed = false
for s in string.gmatch(ARGV[1], "[^,]+") do
  if s == current then allowed = true end
end
if not allowed then
  return { -1, current }
end

local to = ARGV[2]
local id = rcall("HGET", KEYS[1], "id")
local score = rcall("HGET", KEYS[1], "sortKey")
if #ARGV >= 7 then
  rcall("HSET", KEYS[1], unpack(ARGV, 7))
end
local seq = rcall("HINCRBY", KEYS[1], "seq", 1)
local attempts = rcall("HINCRBY", KEYS[1], "attempts", tonumber(ARGV[6]))
rcall("HSET", KEYS[1], "state", to)
if current ~= to then
  rcall("ZREM", STATE_KEYS[current], id)
  rcall("ZADD", STATE_KEYS[to], score, id)
end
local ttl = tonumber(ARGV[5])
if ttl > 0 and (to == "SUCCEEDED" or to == "FAILED" or to == "CANCELLED") then
  rcall("EXPIRE", KEYS[1], ttl)
end
local fields = rcall("HMGET", KEYS[1], "error", "workerId")
rcall("XADD", KEYS[2], "MAXLEN", "~", ARGV[4], "*",
  "id", id, "state", to, "seq", seq, "at", ARGV[3], "attempts", attempts,
  "error", fields[1] or "", "worker", fields[2] or "")
return { seq, attempts }
