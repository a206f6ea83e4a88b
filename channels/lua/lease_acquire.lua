-- Take a lease if it is free (SET ... PX with a new fencing token), atomically with the token's INCR.
-- KEYS[1] lease, KEYS[2] fence counter; ARGV[1] holder, ARGV[2] ttl ms, ARGV[3] '1' if reentrant.
-- Returns the fencing token, or nil if another holder has it. Reentrant: the same holder keeps its token
-- and gets the new expiry.
local current = redis.call('GET', KEYS[1])
if current then
  local token, holder = string.match(current, '^(%d+):(.*)$')
  if ARGV[3] == '1' and holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return false
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
