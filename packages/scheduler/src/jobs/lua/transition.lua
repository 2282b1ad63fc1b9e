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
    KEYS[2..7] tenant's state indexes: QUEUED RUNNING SUCCEEDED FAILED CANCELLED DEFERRED
    KEYS[8] tenant's tokens held by unfinished jobs (STRING): a final move takes the job's "held" off it
    KEYS[9..] the job records (HASH), one per move

    ARGV[1] now, ms
    ARGV[2] events stream max length (approximate)
    ARGV[3] seconds to keep a record that reaches a final state (0 keeps it)
    ARGV[4] the tenant's ledger for the current budget period: where "+cost" is added to spent
    ARGV[5] prefix of the tenant's ledgers: a final move releases the job's reservation in the ledger
            of the period it was admitted in (ARGV[5] .. its period)
    then three per move (few arguments: each costs the client more than the work here):
      "from-states|to-state|attempts to add (1 starts one, -1 takes one back)|if-attempts (-1: none)|if-batch|return-tokens (1|0)"
      fields to set, a JSON object of strings ("+cost" adds to the job's cost and to the ledger's spent)
      the result to set (binary), or ""

  Output, per move:
    {seq, attempts[, tokens]}  done
    {-1, state}                the job's state (or a guard) does not allow the move
    {-2}                       no such job (never created, or expired)
]]
local rcall = redis.call
local STATE_KEYS = { QUEUED = KEYS[2], RUNNING = KEYS[3], SUCCEEDED = KEYS[4], FAILED = KEYS[5], CANCELLED = KEYS[6], DEFERRED = KEYS[7] }
local FINAL = { SUCCEEDED = true, FAILED = true, CANCELLED = true }
local ttl = tonumber(ARGV[3])
local ledger, ledgerPrefix = ARGV[4], ARGV[5]

-- r: what a move reads, in one call: state, attempts, batchId, id, sortKey, seq, error, workerId, plan, cost,
-- reserved, period, idem, held, and the tokens when the move returns them.
local READ = { "state", "attempts", "batchId", "id", "sortKey", "seq", "error", "workerId", "plan", "cost", "reserved", "period", "idem", "held" }
local READ_TOKENS = { unpack(READ) }
READ_TOKENS[#READ_TOKENS + 1] = "tokens"

local function allowed(r, from, ifAttempts, ifBatch)
  local ok = false
  for s in string.gmatch(from, "[^,]+") do
    if s == r[1] then ok = true end
  end
  if not ok then return false end
  if r[1] == "QUEUED" and ifAttempts >= 0 then return tonumber(r[2]) == ifAttempts end
  if r[1] == "RUNNING" and ifBatch ~= "" then return r[3] == ifBatch end
  return true
end

-- The ledgers are written once per call, after the moves: what was spent, and the reservations released
-- per period (a period's ledger that has expired is left alone, as is then the record's reservation).
local spent, unheld = 0, 0
local released, ledgerExists = {}, {}
local function hasLedger(period)
  if ledgerExists[period] == nil then ledgerExists[period] = rcall("EXISTS", ledgerPrefix .. period) == 1 end
  return ledgerExists[period]
end

local out = {}
local a = 6
for k = 9, #KEYS do
  local key = KEYS[k]
  local from, to, countAttempt, ifAttempts, ifBatch, wantTokens =
    string.match(ARGV[a], "^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$")
  local fields, result = cjson.decode(ARGV[a + 1]), ARGV[a + 2]
  a = a + 3
  local final = FINAL[to]
  local r = rcall("HMGET", key, unpack((wantTokens == "1" and not final) and READ_TOKENS or READ))
  local current = r[1]
  if not current then
    out[#out + 1] = { -2 }
  elseif not allowed(r, from, tonumber(ifAttempts), ifBatch) then
    out[#out + 1] = { -1, current }
  else
    local seq = tonumber(r[6]) + 1
    local attempts = tonumber(r[2]) + tonumber(countAttempt)
    local set = { "state", to, "seq", seq, "attempts", attempts }
    for f, v in pairs(fields) do
      if f == "+cost" then
        set[#set + 1] = "cost"
        set[#set + 1] = string.format("%.17g", tonumber(r[10] or "0") + tonumber(v))
        spent = spent + tonumber(v)
      elseif f == "+preemptions" then
        rcall("HINCRBY", key, "preemptions", v)
      else
        set[#set + 1] = f
        set[#set + 1] = v
      end
    end
    if result ~= "" then
      set[#set + 1] = "result"
      set[#set + 1] = result
    end
    local reserved = tonumber(r[11] or "0") or 0
    if final and reserved > 0 and r[12] and hasLedger(r[12]) then
      -- Its reservation is released in the ledger of the period it was admitted in.
      released[r[12]] = (released[r[12]] or 0) + reserved
      set[#set + 1] = "reserved"
      set[#set + 1] = 0
    end
    local held = tonumber(r[14] or "0") or 0
    if final and held > 0 then
      -- Its tokens leave with the move (HDEL below) and from the tenant's count; zeroed, so taken off once.
      unheld = unheld + held
      set[#set + 1] = "held"
      set[#set + 1] = 0
    end
    rcall("HSET", key, unpack(set))
    if current ~= to then
      rcall("ZREM", STATE_KEYS[current], r[4])
      rcall("ZADD", STATE_KEYS[to], r[5], r[4])
    end
    local reply = { seq, attempts }
    if final then
      -- The tokens were kept only to run the job.
      rcall("HDEL", key, "tokens")
      if ttl > 0 then
        rcall("EXPIRE", key, ttl)
        -- The job's idempotency key (in the tenant's slot) lives as long as the job.
        if r[13] then rcall("EXPIRE", r[13], ttl) end
      end
    elseif wantTokens == "1" then
      reply[3] = r[15]
    end
    -- One field, "id|state|seq|at|attempts|worker|plan|error" (see parseEntry): the error last, as it
    -- may hold "|"; the plan ("window,start,price") only while DEFERRED.
    local plan = ""
    if to == "DEFERRED" then plan = fields.plan or r[9] or "" end
    rcall("XADD", KEYS[1], "MAXLEN", "~", ARGV[2], "*",
      "e", r[4] .. "|" .. to .. "|" .. seq .. "|" .. ARGV[1] .. "|" .. attempts .. "|" ..
        (fields.workerId or r[8] or "") .. "|" .. plan .. "|" .. (fields.error or r[7] or ""))
    out[#out + 1] = reply
  end
end
if unheld > 0 and rcall("DECRBY", KEYS[8], unheld) <= 0 then rcall("DEL", KEYS[8]) end
if spent > 0 then rcall("HINCRBYFLOAT", ledger, "spent", string.format("%.17g", spent)) end
for period, amount in pairs(released) do
  rcall("HINCRBYFLOAT", ledgerPrefix .. period, "reserved", string.format("%.17g", -amount))
end
return out
