-- Remove connections whose heartbeats stopped (their instance died) and return the
-- members whose user has no live connection left, so the caller announces them once.
-- KEYS[1] presence zset; ARGV[1] now ms
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #expired == 0 then
  return {}
end
local gone = {}
for _, m in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], m) == 1 then
    table.insert(gone, m)
  end
end
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
local alive = {}
for _, m in ipairs(live) do
  alive[string.match(m, '^[^|]*')] = true
end
local left = {}
local seen = {}
for _, m in ipairs(gone) do
  local user = string.match(m, '^[^|]*')
  if not alive[user] and not seen[user] then
    seen[user] = true
    table.insert(left, m)
  end
end
return left
