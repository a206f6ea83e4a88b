-- Extend a lease, only while fencing token ARGV[1] holds it.
-- KEYS[1] lease; ARGV[1] token, ARGV[2] ttl ms. Returns 1 if extended, 0 if expired or someone else's.
local current = redis.call('GET', KEYS[1])
if current and string.match(current, '^(%d+):') == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
