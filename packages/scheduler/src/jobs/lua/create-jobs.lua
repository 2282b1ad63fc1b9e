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
    ARGV[3] fields every job of this call shares, a JSON object of strings
    then three per job: its fields (JSON object of strings, with "id" and "sortKey"), its tokens
    (binary), and its index score

  Output:
    per job, 1 created or 0 the record existed already
]]
local rcall = redis.call
local shared = { "state", "QUEUED", "seq", 1, "attempts", 0, "createdAt", ARGV[1] }
for f, v in pairs(cjson.decode(ARGV[3])) do
  shared[#shared + 1] = f
  shared[#shared + 1] = v
end
local out = {}
local a = 4
for k = 4, #KEYS do
  local fields, tokens, score = cjson.decode(ARGV[a]), ARGV[a + 1], ARGV[a + 2]
  a = a + 3
  if rcall("EXISTS", KEYS[k]) == 1 then
    out[#out + 1] = 0
  else
    local set = { "tokens", tokens }
    for f, v in pairs(fields) do
      set[#set + 1] = f
      set[#set + 1] = v
    end
    rcall("HSET", KEYS[k], unpack(shared))
    rcall("HSET", KEYS[k], unpack(set))
    rcall("ZADD", KEYS[1], score, fields.id)
    rcall("ZADD", KEYS[2], score, fields.id)
    rcall("XADD", KEYS[3], "MAXLEN", "~", ARGV[2], "*", "e", fields.id .. "|QUEUED|1|" .. ARGV[1] .. "|0||")
    out[#out + 1] = 1
  end
end
return out
