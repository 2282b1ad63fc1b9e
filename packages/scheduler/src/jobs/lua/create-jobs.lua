--[[
  Creates the records of several jobs of one tenant in state QUEUED, indexes
  them and announces them: one call per tenant for a whole admission.

  Input:
    KEYS[1] tenant's jobs (ZSET, scored by creation time)
    KEYS[2] tenant's QUEUED jobs (ZSET)
    KEYS[3] tenant's events (STREAM)
    KEYS[4..] the job records (HASH), one per job

    ARGV[1] created at, ms
    ARGV[2] events stream max length (approximate)
    then per job: id, index score (see JobStore.sortScore), n, then n field, value pairs

  Output:
    per job, 1 created or 0 the record existed already
]]
local rcall = redis.call
local out = {}
local a = 3
for k = 4, #KEYS do
  local id, score, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local first = a + 3
  a = first + 2 * n
  if rcall("EXISTS", KEYS[k]) == 1 then
    out[#out + 1] = 0
  else
    rcall("HSET", KEYS[k], "state", "QUEUED", "seq", 1, "attempts", 0, "createdAt", ARGV[1], "sortKey", score,
      unpack(ARGV, first, a - 1))
    rcall("ZADD", KEYS[1], score, id)
    rcall("ZADD", KEYS[2], score, id)
    rcall("XADD", KEYS[3], "MAXLEN", "~", ARGV[2], "*",
      "id", id, "state", "QUEUED", "seq", 1, "at", ARGV[1], "attempts", 0, "error", "", "worker", "")
    out[#out + 1] = 1
  end
end
return out
