// The container pvlab's state files share (snapshots, recordings): an 8-byte magic naming the
// kind of file, a format version, tagged sections each with its length, and a checksum of
// everything before it. Reading checks all of it before any section is trusted, and every
// failure says what is wrong and at which byte.
//
//   magic[8]  version:u32  count:u32  { tag[4] length:u64 payload[length] } x count  check:u64
//
// All integers are little-endian. The checksum is state_hash() of the bytes before it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab {

// A fast non-cryptographic 64-bit hash of bytes (XXH3_64bits with `seed`): the same bytes give
// the same value on every host. `seed` chains several pieces (pass the previous result).
uint64_t state_hash(const uint8_t* p, size_t n, uint64_t seed = 0);
inline uint64_t state_hash(const std::vector<uint8_t>& b, uint64_t seed = 0) {
  return state_hash(b.data(), b.size(), seed);
}
// Sixteen hex digits.
std::string hash_hex(uint64_t h);

struct StateSection {
  std::string tag;              // four characters
  std::vector<uint8_t> data;
  size_t offset = 0;            // of the payload in the file (set when read)
};

struct StateFile {
  uint32_t version = 0;
  std::vector<StateSection> sections;
  // The first section with `tag`, or nullptr.
  const StateSection* find(const std::string& tag) const;
};

// The file's bytes.
std::vector<uint8_t> write_state_file(const char (&magic)[9], const StateFile& f);
// Parse and check `bytes`: the magic (what = "snapshot", "recording"), the version (exactly
// `version`), every section's bounds and the checksum. On failure `error` names the problem
// and the byte offset.
bool read_state_file(const std::vector<uint8_t>& bytes, const char (&magic)[9], uint32_t version,
                     const char* what, StateFile& out, std::string& error);

// Whole-file helpers; errors name the path.
bool load_file(const std::string& path, std::vector<uint8_t>& out, std::string& error);
bool save_file(const std::string& path, const std::vector<uint8_t>& bytes, std::string& error);

}  // namespace pvlab
