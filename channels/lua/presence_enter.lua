-- A connection enters a room. Publishes the join frame only if the user was not already present.
-- KEYS[1] presence zset; ARGV[1] topic, ARGV[2] member, ARGV[3] user prefix ('<user>|'),
-- ARGV[4] expiry ms, ARGV[5] now ms, ARGV[6] join frame
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[5], '+inf')
local present = false
local plen = string.len(ARGV[3])
for _, m in ipairs(live) do
  if m ~= ARGV[2] and string.sub(m, 1, plen) == ARGV[3] then
    present = true
    break
  end
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
if not present then
  redis.call('PUBLISH', ARGV[1], 'E\n' .. ARGV[6])
end
return present and 0 or 1
