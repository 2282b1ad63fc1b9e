// o200k_base tokenization, exact to OpenAI's tiktoken (encode_ordinary), in
// bounded time: a hand-written pre-tokenizer that follows tiktoken's pattern
// alternative by alternative, and a byte-pair merge that is O(n log n) in a
// piece's length (tiktoken's own merge is quadratic). See README.md here.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "unicode_classes.h"

namespace {

// ---- the vocabulary: a token's bytes → its rank, loaded once a process ----

constexpr uint32_t kNoRank = 0xffffffffu;
constexpr size_t kMaxTokenBytes = 128;

inline uint64_t hashBytes(const uint8_t* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

struct Vocab {
  std::vector<uint8_t> arena;
  std::vector<uint32_t> start, length;  // by rank
  std::vector<uint32_t> slots;          // open addressing: rank + 1, 0 empty
  uint64_t mask = 0;

  uint32_t find(const uint8_t* p, size_t n) const {
    if (n > kMaxTokenBytes || n == 0) return kNoRank;
    for (uint64_t i = hashBytes(p, n) & mask;; i = (i + 1) & mask) {
      uint32_t s = slots[i];
      if (s == 0) return kNoRank;
      uint32_t r = s - 1;
      if (length[r] == n && std::memcmp(arena.data() + start[r], p, n) == 0) return r;
    }
  }

  void add(uint32_t rank, const uint8_t* p, size_t n) {
    if (rank >= start.size()) {
      start.resize(rank + 1, 0);
      length.resize(rank + 1, 0);
    }
    start[rank] = static_cast<uint32_t>(arena.size());
    length[rank] = static_cast<uint32_t>(n);
    arena.insert(arena.end(), p, p + n);
  }

  void index() {
    size_t cap = 1;
    while (cap < start.size() * 2) cap <<= 1;
    slots.assign(cap, 0);
    mask = cap - 1;
    for (uint32_t r = 0; r < start.size(); r++) {
      if (length[r] == 0) continue;
      uint64_t i = hashBytes(arena.data() + start[r], length[r]) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = r + 1;
    }
  }
};

Vocab* gVocab = nullptr;
uint8_t* gClass = nullptr;  // a flag byte per code point
std::once_flag gLoaded;

int base64Value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Parses a .tiktoken file: "base64 rank" a line.
Vocab* parseVocab(const uint8_t* p, size_t n) {
  auto* v = new Vocab();
  std::vector<uint8_t> bytes;
  size_t i = 0;
  while (i < n) {
    size_t eol = i;
    while (eol < n && p[eol] != '\n') eol++;
    size_t sp = i;
    while (sp < eol && p[sp] != ' ') sp++;
    if (sp < eol) {
      bytes.clear();
      uint32_t acc = 0;
      int bits = 0;
      for (size_t k = i; k < sp; k++) {
        int d = base64Value(p[k]);
        if (d < 0) continue;  // '=' padding
        acc = (acc << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          bytes.push_back(static_cast<uint8_t>(acc >> bits));
        }
      }
      uint32_t rank = 0;
      for (size_t k = sp + 1; k < eol; k++) {
        if (p[k] >= '0' && p[k] <= '9') rank = rank * 10 + (p[k] - '0');
      }
      v->add(rank, bytes.data(), bytes.size());
    }
    i = eol + 1;
  }
  v->index();
  return v;
}

// ---- code point classes, as tiktoken's pattern sees them ----

enum : uint8_t {
  kUp = 1,      // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
  kLow = 2,     // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  kLetter = 4,  // \p{L}
  kNumber = 8,  // \p{N}
  kSpace = 16,  // \s: Unicode White_Space
  kNewline = 32,
};

uint8_t* buildClasses() {
  auto* c = new uint8_t[0x110000]();
  for (const auto& r : kClassRanges) {
    uint8_t f = 0;
    switch (r.cls) {
      case kClsUpper: f = kUp | kLetter; break;
      case kClsLower: f = kLow | kLetter; break;
      case kClsOtherLetter: f = kUp | kLow | kLetter; break;
      case kClsMark: f = kUp | kLow; break;
      case kClsNumber: f = kNumber; break;
    }
    for (uint32_t cp = r.first; cp <= r.last; cp++) c[cp] = f;
  }
  for (uint32_t cp : {0x9u, 0xAu, 0xBu, 0xCu, 0xDu, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) c[cp] = kSpace;
  for (uint32_t cp = 0x2000; cp <= 0x200A; cp++) c[cp] = kSpace;
  c['\r'] = c['\n'] = kSpace | kNewline;
  return c;
}

// ---- the pre-tokenizer ----

struct Text {
  std::vector<uint32_t> cp;   // code points
  std::vector<uint8_t> f;     // their class flags
  std::vector<uint32_t> pos;  // byte offset of each, and one past the end
  size_t count = 0;           // code points in use
};

// Decodes UTF-8 (already valid: Node hands over a string's UTF-8 with lone surrogates as U+FFFD).
void decode(const uint8_t* s, size_t n, Text& t) {
  // At most one code point a byte: sized once, filled by index.
  if (t.cp.size() < n + 1) {
    t.cp.resize(n + 1);
    t.f.resize(n + 1);
    t.pos.resize(n + 1);
  }
  uint32_t* cp = t.cp.data();
  uint8_t* f = t.f.data();
  uint32_t* pos = t.pos.data();
  size_t i = 0, k = 0;
  while (i < n) {
    uint8_t b = s[i];
    uint32_t c;
    size_t len;
    if (b < 0x80) { c = b; len = 1; }
    else if ((b & 0xE0) == 0xC0 && i + 1 < n) { c = ((b & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); len = 2; }
    else if ((b & 0xF0) == 0xE0 && i + 2 < n) { c = ((b & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); len = 3; }
    else if ((b & 0xF8) == 0xF0 && i + 3 < n) { c = ((b & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu); len = 4; }
    else { c = 0xFFFD; len = 1; }
    if (c >= 0x110000) c = 0xFFFD;
    cp[k] = c;
    f[k] = gClass[c];
    pos[k] = static_cast<uint32_t>(i);
    k++;
    i += len;
  }
  pos[k] = static_cast<uint32_t>(n);
  t.count = k;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d) at i: its length in code points, or 0.
size_t contraction(const Text& t, size_t i) {
  size_t n = t.count;
  if (i + 1 >= n || t.cp[i] != '\'') return 0;
  uint32_t a = t.cp[i + 1];
  // Rust's case folding makes U+017F (long s) an s.
  if (a == 's' || a == 'S' || a == 0x17F || a == 't' || a == 'T' || a == 'm' || a == 'M' || a == 'd' || a == 'D') return 2;
  if (i + 2 >= n) return 0;
  uint32_t b = t.cp[i + 2] | 0x20;
  a |= 0x20;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// The end (in code points) of the piece that starts at i: tiktoken's alternatives in order,
// each with the outcome a backtracking matcher would give.
size_t pieceEnd(const Text& t, size_t i) {
  const size_t n = t.count;
  const uint8_t* f = t.f.data();
  // [^\r\n\p{L}\p{N}]: may open either letter alternative.
  const bool prefix = !(f[i] & (kNewline | kLetter | kNumber));
  // 1: [^\r\n\p{L}\p{N}]? UP* LOW+ contraction?
  for (int take = prefix ? 1 : 0; take >= 0; take--) {
    size_t j = i + take;
    size_t k = j;
    while (k < n && (f[k] & kUp)) k++;
    // UP* gives back until LOW+ can start: at the last LOW at or before k.
    size_t s = k + 1;
    for (size_t q = std::min(k, n - 1) + 1; q-- > j;) {
      if (f[q] & kLow) { s = q; break; }
    }
    if (s > k || s >= n) continue;
    size_t e = s;
    while (e < n && (f[e] & kLow)) e++;
    return e + contraction(t, e);
  }
  // 2: [^\r\n\p{L}\p{N}]? UP+ LOW* contraction?
  for (int take = prefix ? 1 : 0; take >= 0; take--) {
    size_t j = i + take;
    size_t k = j;
    while (k < n && (f[k] & kUp)) k++;
    if (k == j) continue;
    while (k < n && (f[k] & kLow)) k++;
    return k + contraction(t, k);
  }
  // 3: \p{N}{1,3}
  if (f[i] & kNumber) {
    size_t e = i + 1;
    while (e < n && e < i + 3 && (f[e] & kNumber)) e++;
    return e;
  }
  // 4: ' '?[^\s\p{L}\p{N}]+[\r\n/]*
  auto other = [&](size_t q) { return q < n && !(f[q] & (kSpace | kLetter | kNumber)); };
  size_t j = t.cp[i] == ' ' && other(i + 1) ? i + 1 : i;
  if (other(j)) {
    size_t e = j;
    while (other(e)) e++;
    while (e < n && (t.cp[e] == '\r' || t.cp[e] == '\n' || t.cp[e] == '/')) e++;
    return e;
  }
  // The rest start with white space.
  size_t k = i;
  while (k < n && (f[k] & kSpace)) k++;
  if (k == i) return i + 1;  // not reached: every code point opens some alternative
  // 5: \s*[\r\n]+ — ends after the run's last newline.
  for (size_t q = k; q-- > i;) {
    if (f[q] & kNewline) return q + 1;
  }
  // 6: \s+(?!\S) — the run, less its last space when a non-space follows.
  if (k == n) return k;
  if (k - 1 > i) return k - 1;
  // 7: \s+
  return k;
}

// ---- recent pieces ----

// Pieces of several tokens seen lately, with their tokens: text repeats its words, and a merge
// costs far more than a lookup. Direct-mapped (a newer piece takes an older one's slot), and
// emptied when its arena passes a few MB, so that it stays small whatever the text.
struct RecentPieces {
  struct Slot {
    uint64_t hash = 0;
    uint32_t key = 0, keyLength = 0, tokens = 0, count = 0;
  };
  static constexpr size_t kSlots = 1 << 15;
  static constexpr size_t kMaxPiece = 64;
  std::vector<Slot> slots = std::vector<Slot>(kSlots);
  std::vector<uint8_t> keys;
  std::vector<uint32_t> tokens;

  bool find(const uint8_t* p, size_t n, uint64_t h, std::vector<uint32_t>& out) const {
    const Slot& s = slots[h & (kSlots - 1)];
    if (s.count == 0 || s.hash != h || s.keyLength != n || std::memcmp(keys.data() + s.key, p, n) != 0) return false;
    out.insert(out.end(), tokens.begin() + s.tokens, tokens.begin() + s.tokens + s.count);
    return true;
  }

  void keep(const uint8_t* p, size_t n, uint64_t h, const uint32_t* ids, size_t count) {
    if (keys.size() > (4u << 20)) {
      std::fill(slots.begin(), slots.end(), Slot{});
      keys.clear();
      tokens.clear();
    }
    Slot& s = slots[h & (kSlots - 1)];
    s = {h, static_cast<uint32_t>(keys.size()), static_cast<uint32_t>(n), static_cast<uint32_t>(tokens.size()), static_cast<uint32_t>(count)};
    keys.insert(keys.end(), p, p + n);
    tokens.insert(tokens.end(), ids, ids + count);
  }
};

// ---- byte-pair merge ----

struct Merger {
  std::vector<uint32_t> parts, ranks, next;
  std::vector<int32_t> prev;
  std::vector<uint8_t> alive;
  std::vector<uint64_t> heap;  // rank << 32 | start
  std::vector<uint32_t> heapEnd;
  RecentPieces recent;

  // Appends the tokens of bytes [p, p + n) to out.
  void encode(const Vocab& v, const uint8_t* p, size_t n, std::vector<uint32_t>& out) {
    uint32_t whole = v.find(p, n);
    if (whole != kNoRank) {
      out.push_back(whole);
      return;
    }
    if (n > RecentPieces::kMaxPiece) return heapMerge(v, p, n, out);
    const uint64_t h = hashBytes(p, n);
    if (recent.find(p, n, h, out)) return;
    const size_t from = out.size();
    scan(v, p, n, out);
    recent.keep(p, n, h, out.data() + from, out.size() - from);
  }

  // tiktoken's own merge: a scan for the lowest rank, merge, repeat. Quadratic, but n is small here.
  void scan(const Vocab& v, const uint8_t* p, size_t n, std::vector<uint32_t>& out) {
    parts.resize(n + 1);
    ranks.assign(n + 1, kNoRank);
    for (size_t i = 0; i <= n; i++) parts[i] = static_cast<uint32_t>(i);
    size_t count = n + 1;
    for (size_t i = 0; i + 2 < count; i++) ranks[i] = v.find(p + parts[i], parts[i + 2] - parts[i]);
    while (count > 2) {
      uint32_t min = kNoRank;
      size_t at = 0;
      for (size_t i = 0; i + 2 < count; i++) {
        if (ranks[i] < min) { min = ranks[i]; at = i; }
      }
      if (min == kNoRank) break;
      std::memmove(&parts[at + 1], &parts[at + 2], (count - at - 2) * sizeof(uint32_t));
      std::memmove(&ranks[at + 1], &ranks[at + 2], (count - at - 2) * sizeof(uint32_t));
      count--;
      ranks[at] = at + 2 < count ? v.find(p + parts[at], parts[at + 2] - parts[at]) : kNoRank;
      if (at > 0) ranks[at - 1] = v.find(p + parts[at - 1], parts[at + 1] - parts[at - 1]);
    }
    for (size_t i = 0; i + 1 < count; i++) out.push_back(v.find(p + parts[i], parts[i + 1] - parts[i]));
  }

  void push(uint32_t rank, uint32_t start, uint32_t end) {
    heap.push_back((static_cast<uint64_t>(rank) << 32) | start);
    heapEnd.push_back(end);
    size_t i = heap.size() - 1;
    while (i > 0) {
      size_t up = (i - 1) / 2;
      if (heap[up] <= heap[i]) break;
      std::swap(heap[up], heap[i]);
      std::swap(heapEnd[up], heapEnd[i]);
      i = up;
    }
  }

  void pop() {
    heap[0] = heap.back();
    heapEnd[0] = heapEnd.back();
    heap.pop_back();
    heapEnd.pop_back();
    size_t i = 0, m = heap.size();
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= m) break;
      if (c + 1 < m && heap[c + 1] < heap[c]) c++;
      if (heap[i] <= heap[c]) break;
      std::swap(heap[i], heap[c]);
      std::swap(heapEnd[i], heapEnd[c]);
      i = c;
    }
  }

  // The same merges in O(n log n): parts as a linked list by start, a min-heap of (rank, start)
  // with each pair's end; a popped pair whose parts have changed since is skipped.
  void heapMerge(const Vocab& v, const uint8_t* p, size_t n, std::vector<uint32_t>& out) {
    next.resize(n + 1);
    prev.resize(n + 1);
    alive.assign(n + 1, 1);
    heap.clear();
    heapEnd.clear();
    for (size_t i = 0; i <= n; i++) {
      next[i] = static_cast<uint32_t>(i + 1);
      prev[i] = static_cast<int32_t>(i) - 1;
    }
    for (size_t i = 0; i + 2 <= n; i++) {
      uint32_t r = v.find(p + i, 2);
      if (r != kNoRank) push(r, static_cast<uint32_t>(i), static_cast<uint32_t>(i + 2));
    }
    while (!heap.empty()) {
      uint32_t start = static_cast<uint32_t>(heap[0]);
      uint32_t end = heapEnd[0];
      pop();
      uint32_t mid = next[start];
      if (!alive[start] || mid >= n || next[mid] != end) continue;
      alive[mid] = 0;
      next[start] = end;
      if (end <= n) prev[end] = static_cast<int32_t>(start);
      if (end < n) {
        uint32_t r = v.find(p + start, next[end] - start);
        if (r != kNoRank) push(r, start, next[end]);
      }
      int32_t before = prev[start];
      if (before >= 0) {
        uint32_t r = v.find(p + before, end - before);
        if (r != kNoRank) push(r, static_cast<uint32_t>(before), end);
      }
    }
    for (uint32_t i = 0; i < n; i = next[i]) out.push_back(v.find(p + i, next[i] - i));
  }
};

// Encodes a UTF-8 text; stops once past `limit` tokens (returns false then).
bool encodeUtf8(const uint8_t* s, size_t n, size_t limit, std::vector<uint32_t>& out) {
  thread_local Text t;
  thread_local Merger m;
  decode(s, n, t);
  const size_t count = t.count;
  for (size_t i = 0; i < count;) {
    size_t e = pieceEnd(t, i);
    m.encode(*gVocab, s + t.pos[i], t.pos[e] - t.pos[i], out);
    if (out.size() > limit) return false;
    i = e;
  }
  return true;
}

void requireLoaded(const Napi::Env& env) {
  if (!gVocab) throw Napi::Error::New(env, "tokenizer: load() the ranks first");
}

std::string utf8Of(const Napi::Value& v) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), "tokenizer: a string is needed");
  // Node writes a lone surrogate as U+FFFD, as tiktoken's own wrapper does.
  return v.As<Napi::String>().Utf8Value();
}

Napi::Uint32Array toArray(const Napi::Env& env, const std::vector<uint32_t>& ids) {
  auto a = Napi::Uint32Array::New(env, ids.size());
  if (!ids.empty()) std::memcpy(a.Data(), ids.data(), ids.size() * sizeof(uint32_t));
  return a;
}

// load(ranksFile: Uint8Array): parses the .tiktoken file, once a process (threads share it).
Napi::Value Load(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "tokenizer: load(ranks: Uint8Array)");
  auto file = info[0].As<Napi::Uint8Array>();
  std::call_once(gLoaded, [&] {
    gClass = buildClasses();
    gVocab = parseVocab(file.Data(), file.ByteLength());
  });
  return Napi::Number::New(env, static_cast<double>(gVocab->start.size()));
}

// encode(text): Uint32Array of all its tokens.
Napi::Value Encode(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireLoaded(env);
  std::string s = utf8Of(info[0]);
  std::vector<uint32_t> out;
  out.reserve(s.size() / 3 + 16);
  encodeUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), SIZE_MAX, out);
  return toArray(env, out);
}

// encodeUpTo(text, limit): its tokens, or, once past limit, the number counted (a piece more than the limit).
Napi::Value EncodeUpTo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireLoaded(env);
  std::string s = utf8Of(info[0]);
  double limit = info[1].ToNumber().DoubleValue();
  if (!(limit >= 0)) throw Napi::RangeError::New(env, "tokenizer: the limit must be a number ≥ 0");
  std::vector<uint32_t> out;
  if (encodeUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), static_cast<size_t>(std::min(limit, 9e15)), out)) return toArray(env, out);
  return Napi::Number::New(env, static_cast<double>(out.size()));
}

// encodeMany(texts): one Uint32Array [n, offsets (n + 1 of them), tokens]: text k's tokens are
// tokens[offsets[k] … offsets[k+1]). One array whatever the count, so a thread hands it over whole.
Napi::Value EncodeMany(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireLoaded(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "tokenizer: encodeMany(texts: string[])");
  auto texts = info[0].As<Napi::Array>();
  const uint32_t n = texts.Length();
  std::vector<uint32_t> out(n + 2, 0);
  out[0] = n;
  for (uint32_t k = 0; k < n; k++) {
    std::string s = utf8Of(texts.Get(k));
    encodeUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), SIZE_MAX, out);
    out[k + 2] = static_cast<uint32_t>(out.size() - (n + 2));
  }
  return toArray(env, out);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("load", Napi::Function::New(env, Load));
  exports.Set("encode", Napi::Function::New(env, Encode));
  exports.Set("encodeUpTo", Napi::Function::New(env, EncodeUpTo));
  exports.Set("encodeMany", Napi::Function::New(env, EncodeMany));
  return exports;
}

}  // namespace

NODE_API_MODULE(nightshift_tokenizer, Init)
