--[[
  Moves the jobs whose retry backoff is over back into their pending sets.

  Input:
    KEYS[1] the queue's retry set (ZSET of "set\tentry", scored by when due)
    ARGV[1] now, ms
    ARGV[2] prefix of the queue's pending keys (QueueKeys.pendingPrefix)
    ARGV[3] ms of waiting one step of priority is worth (agingScale)
    ARGV[4] most jobs to move

  Output:
    when the next job is due, ms, or -1 when none waits
]]
local rcall = redis.call
local due = rcall("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[4]))
local aging = tonumber(ARGV[3])
for _, m in ipairs(due) do
  local set, entry = string.match(m, "^([^\t]*)\t(.*)$")
  -- entry: tenant|id|length|priority|queuedAt|attempts|maxAttempts; the score as pendingScore computes it
  local priority, queuedAt = string.match(entry, "^[^|]*|[^|]*|[^|]*|([^|]*)|([^|]*)|")
  local score = tonumber(queuedAt) - tonumber(priority) * aging
  rcall("ZADD", ARGV[2] .. set, string.format("%.17g", score), entry)
  rcall("ZREM", KEYS[1], m)
end
local next = rcall("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
if next[2] then return tonumber(next[2]) end
return -1
