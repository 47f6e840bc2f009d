#include "frontend/state_file.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pvlab {

namespace {

uint64_t get_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

void put_le(std::vector<uint8_t>& out, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace

uint64_t state_hash(const uint8_t* p, size_t n, uint64_t seed) {
  // XXH3's output is specified bit for bit, so it is the same on every host; it runs at
  // memory speed, which keeps hashing all of RAM at a checkpoint cheap.
  return XXH3_64bits_withSeed(p, n, seed);
}

std::string hash_hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

const StateSection* StateFile::find(const std::string& tag) const {
  for (const StateSection& s : sections)
    if (s.tag == tag) return &s;
  return nullptr;
}

std::vector<uint8_t> write_state_file(const char (&magic)[9], const StateFile& f) {
  std::vector<uint8_t> out(magic, magic + 8);
  put_le(out, f.version, 4);
  put_le(out, f.sections.size(), 4);
  for (const StateSection& s : f.sections) {
    for (unsigned i = 0; i < 4; ++i) out.push_back(uint8_t(i < s.tag.size() ? s.tag[i] : ' '));
    put_le(out, s.data.size(), 8);
    out.insert(out.end(), s.data.begin(), s.data.end());
  }
  put_le(out, state_hash(out), 8);
  return out;
}

bool read_state_file(const std::vector<uint8_t>& b, const char (&magic)[9], uint32_t version,
                     const char* what, StateFile& out, std::string& error) {
  const size_t n = b.size();
  auto fail = [&](const std::string& msg, size_t at) {
    error = std::string(what) + ": " + msg + " at byte " + std::to_string(at);
    return false;
  };
  if (n < 8 || std::memcmp(b.data(), magic, 8) != 0)
    return fail(std::string("not a pvlab ") + what + " file (no '" + std::string(magic, 8) +
                    "' magic)", 0);
  if (n < 16) return fail("truncated header (" + std::to_string(n) + " bytes)", n);
  const uint32_t v = uint32_t(get_le(b.data() + 8, 4));
  if (v != version)
    return fail("format version " + std::to_string(v) + ", this pvlab reads version " +
                    std::to_string(version) +
                    (v < version ? " (the file was made by an older pvlab: make it again)" : ""),
                8);
  if (n < 24) return fail("truncated file: no room for the checksum", n);
  const uint64_t want = get_le(b.data() + n - 8, 8);
  const uint32_t count = uint32_t(get_le(b.data() + 12, 4));
  StateFile f;
  f.version = v;
  size_t pos = 16;
  const size_t end = n - 8;
  for (uint32_t i = 0; i < count; ++i) {
    if (end - pos < 12)
      return fail("truncated file: section " + std::to_string(i) + " of " + std::to_string(count) +
                      " has no header",
                  pos);
    StateSection s;
    s.tag.assign(reinterpret_cast<const char*>(b.data() + pos), 4);
    const uint64_t len = get_le(b.data() + pos + 4, 8);
    if (len > end - pos - 12)
      return fail("truncated file: section '" + s.tag + "' claims " + std::to_string(len) +
                      " bytes, " + std::to_string(end - pos - 12) + " are left",
                  pos + 4);
    s.offset = pos + 12;
    s.data.assign(b.begin() + long(pos + 12), b.begin() + long(pos + 12 + len));
    pos += 12 + len;
    f.sections.push_back(std::move(s));
  }
  if (pos != end)
    return fail(std::to_string(end - pos) + " stray bytes after the last section (truncated or "
                    "corrupt file)",
                pos);
  const uint64_t got = state_hash(b.data(), n - 8);
  if (got != want)
    return fail("checksum mismatch (file says " + hash_hex(want) + ", contents hash to " +
                    hash_hex(got) + "): the file is corrupt",
                n - 8);
  out = std::move(f);
  return true;
}

bool load_file(const std::string& path, std::vector<uint8_t>& out, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  out.clear();
  uint8_t buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + got);
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) error = path + ": read error";
  return !bad;
}

bool save_file(const std::string& path, const std::vector<uint8_t>& bytes, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    error = path + ": cannot open for writing: " + std::strerror(errno);
    return false;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) error = path + ": write error";
  return ok && closed;
}

}  // namespace pvlab
