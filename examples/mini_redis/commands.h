// Command execution: one parsed command (name and arguments, as the RESP
// parser returns them) is run against the Store and its RESP2 reply appended
// to a buffer. Nothing here does I/O, so every command can be unit-tested
// without sockets, and the connection task decides when replies are sent.
//
// Commands: PING [msg], ECHO msg, GET, SET key value [NX|XX] [GET]
// [EX s|PX ms|KEEPTTL], DEL k..., EXISTS k..., INCR, DECR, INCRBY, DECRBY,
// MGET, MSET, EXPIRE/PEXPIRE key ttl [NX|XX|GT|LT], TTL, PTTL, PERSIST,
// EXPIREAT/PEXPIREAT key unix-time [NX|XX|GT|LT] (SAVE's dump uses
// PEXPIREAT), TYPE, KEYS pattern, DBSIZE, FLUSHALL [ASYNC|SYNC], SELECT 0,
// QUIT, and
// the introspection that clients send on their own: CONFIG GET (save and
// appendonly, which redis-benchmark asks for), COMMAND [DOCS|COUNT|INFO|
// LIST] (redis-cli's interactive mode asks for DOCS) and a minimal INFO.
// The other data types' commands live in a file each: lists
// (list_commands.cc: LPUSH, RPUSH, LPOP, RPOP, LRANGE, LLEN), sets
// (set_commands.cc: SADD, SREM, SPOP, SCARD, SISMEMBER, SMEMBERS), hashes
// (hash_commands.cc: HSET, HGET, HGETALL, HDEL, HLEN) and sorted sets
// (sorted_set_commands.cc: ZADD, ZPOPMIN, ZRANGE, ZCARD, ZSCORE); a command
// meeting a key of another type answers WRONGTYPE, as in Redis. PUBLISH,
// SAVE, SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE and RESET are in the
// table (so their arity is checked and COMMAND lists them) but are run by
// the connection (AfterReply::kConnection).
// Names are case-insensitive; replies and error texts follow Redis 7's, so
// that clients written for Redis read them the same way.

#ifndef WEFT_EXAMPLES_MINI_REDIS_COMMANDS_H_
#define WEFT_EXAMPLES_MINI_REDIS_COMMANDS_H_

#include <span>
#include <string>

#include "examples/mini_redis/store.h"

namespace mini_redis {

// What the connection does after ExecuteCommand.
enum class AfterReply {
  kKeepOpen,
  kClose,  // QUIT: close after sending the reply
  // A valid command that needs the connection or the server rather than the
  // Store (PUBLISH, SAVE, SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE,
  // RESET): nothing was replied; the connection runs it (server.cc).
  kConnection,
};

// Runs `args` (args[0] is the command name) against `store` and appends its
// reply to `reply`. Never throws for any input: bad arguments and unknown
// commands get a RESP error reply.
AfterReply ExecuteCommand(Store& store, std::span<const std::string> args,
                          std::string& reply);

// Whether `args` names a known command with an acceptable number of
// arguments, i.e. ExecuteCommand would not answer it with an unknown-command
// or arity error. (Redis reports those before refusing a command in
// subscribe mode.)
bool IsValidCommand(std::span<const std::string> args);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_COMMANDS_H_
