--[[
  Creates a job record in state QUEUED, indexes it and announces it.

  Input:
    KEYS[1] job record (HASH)
    KEYS[2] tenant's jobs (ZSET, scored by creation time)
    KEYS[3] tenant's QUEUED jobs (ZSET)
    KEYS[4] tenant's events (STREAM)

    ARGV[1] job id
    ARGV[2] created at, ms
    ARGV[3] index score (creation time in µs, see JobStore.sortScore)
    ARGV[4] events stream max length (approximate)
    ARGV[5..] field, value pairs of the record

  Output:
    1 created, 0 the record exists already
]]
local rcall = redis.call
if rcall("EXISTS", KEYS[1]) == 1 then
  return 0
end
rcall("HSET", KEYS[1], "state", "QUEUED", "seq", 1, "attempts", 0, "createdAt", ARGV[2], "sortKey", ARGV[3], unpack(ARGV, 5))
rcall("ZADD", KEYS[2], ARGV[3], ARGV[1])
rcall("ZADD", KEYS[3], ARGV[3], ARGV[1])
rcall("XADD", KEYS[4], "MAXLEN", "~", ARGV[4], "*",
  "id", ARGV[1], "state", "QUEUED", "seq", 1, "at", ARGV[2], "attempts", 0, "error", "", "worker", "")
return 1
