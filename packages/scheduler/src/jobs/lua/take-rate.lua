--[[
  A tenant's token bucket (the one create-jobs.lua admits by): its level now,
  after taking tokens for work done on jobs that were then refused (texts
  tokenized for nothing). The level may go below 0, into debt: admission
  refuses long texts before tokenizing them until it is back above 0. Debt
  from refused work stops at one minute's worth (a full bucket again within
  two minutes); a deeper debt, left by an admitted job larger than the whole
  bucket, is left as it is.

  Input:
    KEYS[1] the tenant's token bucket (HASH: level, at)
    ARGV[1] now, ms
    ARGV[2] tokens per minute (> 0)
    ARGV[3] tokens to take (0: only read)

  Output: the level, as a string
]]
local now, perMinute, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local level = perMinute
local b = redis.call("HMGET", KEYS[1], "level", "at")
if b[1] then
  level = math.min(perMinute, tonumber(b[1]) + (now - tonumber(b[2])) * perMinute / 60000)
end
if take > 0 then
  level = math.min(level, math.max(level - take, -perMinute))
  redis.call("HSET", KEYS[1], "level", string.format("%.17g", level), "at", ARGV[1])
  -- Kept until it would be full again: a missing bucket is a full one.
  redis.call("PEXPIRE", KEYS[1], math.max(120000, math.ceil((perMinute - level) * 60000 / perMinute)))
end
return string.format("%.17g", level)
