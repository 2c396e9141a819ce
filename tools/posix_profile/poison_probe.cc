// Must NOT compile under --config=posix: tools/posix-profile-check builds it
// to prove that the profile's poison is in force (a profile that stopped
// forcing strict_posix.h would otherwise pass with Linux calls in it).

#include <sys/socket.h>

int WeftPoisonProbe(int listener) {
  return accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
}
