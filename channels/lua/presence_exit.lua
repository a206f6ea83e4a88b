-- A connection leaves a room. Publishes the leave frame only if it was the user's last one.
-- KEYS[1] presence zset; ARGV[1] topic, ARGV[2] member, ARGV[3] user prefix, ARGV[4] now ms, ARGV[5] leave frame
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
if removed == 0 then
  return 0
end
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[4], '+inf')
local plen = string.len(ARGV[3])
for _, m in ipairs(live) do
  if string.sub(m, 1, plen) == ARGV[3] then
    return 0
  end
end
redis.call('PUBLISH', ARGV[1], 'E\n' .. ARGV[5])
return 1
