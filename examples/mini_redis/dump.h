// The dump file of SAVE, and loading it at start: the whole keyspace as the
// RESP commands that recreate it (SET, RPUSH, SADD, HSET, ZADD, and
// PEXPIREAT for a key with a deadline), so the file is read back by the
// same parser and command code that serves clients, and can be piped into a
// real Redis (`redis-cli --pipe < mini_redis.dump`).
//
// Aggregates are written 1024 elements per command, so no command of the
// file comes near the parser's limits. Deadlines are written as Unix times
// in milliseconds: the store's steady clock means nothing to the next
// process, and a key whose deadline passes while the server is down is
// expired when the file is loaded. Expired keys are not written.
//
// SaveDump writes a temporary file next to the dump, syncs it and renames
// it over the dump, so a crash leaves the old dump or the new one, never a
// torn one.

#ifndef WEFT_EXAMPLES_MINI_REDIS_DUMP_H_
#define WEFT_EXAMPLES_MINI_REDIS_DUMP_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/mini_redis/store.h"
#include "runtime/weft.h"

namespace mini_redis {

// The dump's file name in the --dir directory.
inline constexpr std::string_view kDumpFileName = "mini_redis.dump";

// The commands that recreate `store`'s live keys, in one RESP text.
std::string DumpCommands(Store& store);

// Runs the commands of a dump (as DumpCommands writes them) against
// `store`. An error names `path` (where the text came from) and says which
// command failed or that the text is cut short.
absl::Status LoadCommands(std::string_view commands, Store& store,
                          const std::string& path);

// SAVE: writes `store`'s snapshot to `path` (temporary file, sync, rename).
weft::Task<absl::Status> SaveDump(Store& store, std::string path);

// Loads the dump at `path` into `store`. False when there is no such file
// (a first start); an error when it cannot be read or loaded.
weft::Task<absl::StatusOr<bool>> LoadDump(std::string path, Store& store);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_DUMP_H_
