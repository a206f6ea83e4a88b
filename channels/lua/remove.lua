-- Hide a post from the room: remember its id and tell every instance, atomically.
-- KEYS[1] removed set; ARGV[1] topic, ARGV[2] message id, ARGV[3] frame. Returns 1 if newly removed.
local added = redis.call('SADD', KEYS[1], ARGV[2])
if added == 1 then
  redis.call('PUBLISH', ARGV[1], 'S\n' .. ARGV[3])
end
return added
