-- Append a post to a room's history and publish it, atomically, so that history order
-- is live order and an acknowledged post is always in history.
-- KEYS[1] stream, KEYS[2] idempotency key, KEYS[3] rate counter
-- ARGV[1] topic, ARGV[2] max length, ARGV[3] min id ('' = no age trim),
-- ARGV[4] idempotency ttl ms, ARGV[5] rate limit (0 = none), ARGV[6] rate window ms,
-- ARGV[7] stored entry, ARGV[8] frame prefix, ARGV[9] frame suffix, ARGV[10] ack status
local previous = redis.call('GET', KEYS[2])
if previous then
  return {'dup', previous}
end
local limit = tonumber(ARGV[5])
if limit > 0 then
  local count = redis.call('INCR', KEYS[3])
  if count == 1 then
    redis.call('PEXPIRE', KEYS[3], ARGV[6])
  end
  if count > limit then
    return {'rate', tostring(redis.call('PTTL', KEYS[3]))}
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[7])
if ARGV[3] ~= '' then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[3])
end
redis.call('SET', KEYS[2], ARGV[10] .. ' ' .. id, 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[1], 'M' .. id .. '\n' .. ARGV[8] .. id .. ARGV[9])
return {'ok', id}
