-- Record the answer to a post that was not published (held or blocked), unless one exists.
-- KEYS[1] idempotency key; ARGV[1] answer, ARGV[2] ttl ms, ARGV[3] rate limit, ARGV[4] window ms
-- KEYS[2] rate counter. Returns {'dup', previous} | {'rate', ttl} | {'ok', answer}.
local previous = redis.call('GET', KEYS[1])
if previous then
  return {'dup', previous}
end
local limit = tonumber(ARGV[3])
if limit > 0 then
  local count = redis.call('INCR', KEYS[2])
  if count == 1 then
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  if count > limit then
    return {'rate', tostring(redis.call('PTTL', KEYS[2]))}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok', ARGV[1]}
