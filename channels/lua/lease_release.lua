-- End a lease early, only while fencing token ARGV[1] holds it (the fence counter stays).
-- KEYS[1] lease; ARGV[1] token. Returns 1 if released, 0 if expired or someone else's.
local current = redis.call('GET', KEYS[1])
if current and string.match(current, '^(%d+):') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
