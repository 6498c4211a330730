// Tensor bundle reading (FORMATS.md section 7): the LevelDB-style table of <prefix>.index with
// every block checksum verified, and tensor bytes from the data shards read on demand.
#include "converter/importers/tensor_bundle.h"

#include "converter/importers/limits.h"
#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/ir/dtype.h"
#include "core/tfjs/quantize.h"
#include "proto/saved_model.pb.h"

#include <array>
#include <atomic>
#include <exception>
#include <thread>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string_view>

namespace studio::conv {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr std::size_t kFooterSize = 48;
constexpr std::size_t kBlockTrailerSize = 5;

// Slicing-by-8 tables: table[0] is the classic byte table (reflected Castagnoli polynomial),
// table[k][i] is table[0] applied k more bytes on, so eight input bytes cost eight lookups
// and no carried dependency between them.
const std::array<std::array<std::uint32_t, 256>, 8>& crcTables()
{
    static const auto tables = [] {
        std::array<std::array<std::uint32_t, 256>, 8> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[0][i] = c;
        }
        for (std::size_t k = 1; k < 8; ++k)
            for (std::uint32_t i = 0; i < 256; ++i)
                t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xffu];
        return t;
    }();
    return tables;
}

// `crc` is the running register (already inverted by the caller).
std::uint32_t crc32cSoftware(const std::uint8_t* p, std::size_t n, std::uint32_t crc)
{
    const auto& t = crcTables();
    for (; n >= 8; p += 8, n -= 8) {
        const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
        crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^ t[3][p[4]] ^ t[2][p[5]]
            ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; n > 0; ++p, --n)
        crc = t[0][(crc ^ *p) & 0xffu] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
// SSE 4.2's crc32 instruction computes exactly CRC-32C, 8 bytes per instruction. One chain of
// them waits on each result (3 cycles each), so long inputs run three independent chains over
// three consecutive stripes and join them: about 3 times one chain's speed (a 200 MiB checkpoint's
// checksum in ~8 ms rather than ~23 ms). Chosen at run time, so the binary still runs on CPUs
// without it.
__attribute__((target("sse4.2"))) std::uint64_t crcChain(const std::uint8_t* p, std::size_t n, std::uint64_t c)
{
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
    }
    for (; n > 0; ++p, --n)
        c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p);
    return c;
}

constexpr std::size_t kStripe = 8192; // bytes per chain and round

// The CRC register is linear in its starting value: running it over kStripe zero bytes maps each
// start bit to a fixed pattern, and any start to the XOR of its bits' patterns. Four byte-wise
// tables of those XORs move a register past a stripe in four lookups.
const std::array<std::array<std::uint32_t, 256>, 4>& stripeShiftTables()
{
    static const auto tables = [] {
        std::array<std::uint32_t, 32> bit{};
        const std::vector<std::uint8_t> zeros(kStripe, 0);
        for (int i = 0; i < 32; ++i)
            bit[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(crcChain(zeros.data(), zeros.size(), std::uint64_t{1} << i));
        std::array<std::array<std::uint32_t, 256>, 4> t{};
        for (std::size_t b = 0; b < 4; ++b)
            for (std::uint32_t v = 0; v < 256; ++v) {
                std::uint32_t r = 0;
                for (std::size_t i = 0; i < 8; ++i)
                    if (v >> i & 1u)
                        r ^= bit[8 * b + i];
                t[b][v] = r;
            }
        return t;
    }();
    return tables;
}

std::uint32_t pastStripe(std::uint32_t c)
{
    const auto& t = stripeShiftTables();
    return t[0][c & 0xffu] ^ t[1][(c >> 8) & 0xffu] ^ t[2][(c >> 16) & 0xffu] ^ t[3][c >> 24];
}

__attribute__((target("sse4.2"))) std::uint32_t crc32cSse42(const std::uint8_t* p, std::size_t n, std::uint32_t crc)
{
    for (; n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7u) != 0; ++p, --n)
        crc = _mm_crc32_u8(crc, *p);
    std::uint64_t c = crc;
    for (; n >= 3 * kStripe; p += 3 * kStripe, n -= 3 * kStripe) {
        // Chain a continues the register; b and c start from zero over the next two stripes.
        std::uint64_t a = c, b = 0, d = 0;
        for (std::size_t i = 0; i < kStripe; i += 8) {
            std::uint64_t va, vb, vd;
            std::memcpy(&va, p + i, 8);
            std::memcpy(&vb, p + kStripe + i, 8);
            std::memcpy(&vd, p + 2 * kStripe + i, 8);
            a = _mm_crc32_u64(a, va);
            b = _mm_crc32_u64(b, vb);
            d = _mm_crc32_u64(d, vd);
        }
        c = pastStripe(pastStripe(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b)) ^ static_cast<std::uint32_t>(d);
    }
    return static_cast<std::uint32_t>(crcChain(p, n, c));
}
#endif

[[noreturn]] void failTensor(const std::string& file, const std::string& key, const std::string& what)
{
    throw Error(file + ": tensor '" + key + "': " + what, Location::atWeight(file, key));
}

// One tensor's bytes in a data shard, checked against the entry's CRC-32C before they are
// used. read() and a kernel copy check the whole tensor first (once). The shard writer, which
// streams the tensor once in order, has it checked on the way instead (readInOrder), so that a
// large checkpoint is read once, not twice; the error then comes before the output is published.
class CheckedTensorSource final : public core::ByteSource {
public:
    CheckedTensorSource(std::shared_ptr<const core::ByteSource> shard, std::string file, std::string key,
        std::uint64_t offset, std::uint64_t size, std::uint32_t crc)
        : m_shard(std::move(shard)), m_file(std::move(file)), m_key(std::move(key)), m_offset(offset),
          m_size(size), m_crc(crc)
    {
    }

    std::uint64_t size() const override { return m_shard->size(); }
    void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const override
    {
        checkAll();
        m_shard->read(offset, length, dst);
    }
    std::uint64_t copyToFile(std::uint64_t offset, std::uint64_t length, int fd) const override
    {
        // Unchecked, the bytes go through readInOrder, which checks them as they pass.
        return m_checked.load() ? m_shard->copyToFile(offset, length, fd) : 0;
    }
    void readInOrder(std::uint64_t offset, std::uint64_t length,
        const std::function<void(const std::uint8_t*, std::size_t)>& sink) const override
    {
        if (m_checked.load() || offset != m_offset || length != m_size) {
            checkAll();
            m_shard->readInOrder(offset, length, sink);
            return;
        }
        std::uint32_t crc = 0;
        m_shard->readInOrder(offset, length, [&](const std::uint8_t* data, std::size_t n) {
            crc = crc32c(data, n, crc);
            sink(data, n);
        });
        expect(crc);
    }

private:
    void checkAll() const
    {
        if (m_checked.load())
            return;
        std::uint32_t crc = 0;
        m_shard->readInOrder(m_offset, m_size, [&](const std::uint8_t* data, std::size_t n) { crc = crc32c(data, n, crc); });
        expect(crc);
    }
    void expect(std::uint32_t crc) const
    {
        if (crc != m_crc)
            failTensor(m_file, m_key, "checksum mismatch (the data file is damaged or does not belong to this index)");
        m_checked.store(true);
    }

    std::shared_ptr<const core::ByteSource> m_shard;
    std::string m_file, m_key;
    std::uint64_t m_offset, m_size;
    std::uint32_t m_crc; // unmasked
    mutable std::atomic<bool> m_checked{false};
};

std::uint32_t loadLe32(const std::uint8_t* p)
{
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

// A varint of at most `maxBytes` bytes; false when the bytes end first or it is too long.
bool readVarint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& value, int maxBytes = 10)
{
    value = 0;
    for (int shift = 0, k = 0; k < maxBytes && p < end; ++k, shift += 7) {
        const std::uint8_t b = *p++;
        value |= std::uint64_t{b & 0x7fu} << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

// Snappy's raw format (what TF1 wrote into checkpoint index blocks by default): a varint length,
// then literals and back-references. `limit` bounds the declared length. nullopt when damaged.
std::optional<std::string> snappyDecompress(std::string_view in, std::uint64_t limit)
{
    const auto* p = reinterpret_cast<const std::uint8_t*>(in.data());
    const auto* end = p + in.size();
    std::uint64_t length = 0;
    if (!readVarint(p, end, length, 5) || length > limit)
        return std::nullopt;
    std::string out;
    out.reserve(static_cast<std::size_t>(length));
    while (p < end) {
        const std::uint8_t tag = *p++;
        std::uint64_t len = 0, offset = 0;
        switch (tag & 3) {
        case 0: { // literal
            len = tag >> 2;
            if (len >= 60) {
                const int bytes = static_cast<int>(len) - 59;
                if (end - p < bytes)
                    return std::nullopt;
                len = 0;
                for (int i = 0; i < bytes; ++i)
                    len |= std::uint64_t{p[i]} << (8 * i);
                p += bytes;
            }
            len += 1;
            if (len > static_cast<std::uint64_t>(end - p) || out.size() + len > length)
                return std::nullopt;
            out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
            p += len;
            continue;
        }
        case 1:
            if (end - p < 1)
                return std::nullopt;
            len = 4 + ((tag >> 2) & 7);
            offset = (static_cast<std::uint64_t>(tag >> 5) << 8) | *p++;
            break;
        case 2:
            if (end - p < 2)
                return std::nullopt;
            len = 1 + (tag >> 2);
            offset = std::uint64_t{p[0]} | std::uint64_t{p[1]} << 8;
            p += 2;
            break;
        default:
            if (end - p < 4)
                return std::nullopt;
            len = 1 + (tag >> 2);
            offset = loadLe32(p);
            p += 4;
            break;
        }
        if (offset == 0 || offset > out.size() || out.size() + len > length)
            return std::nullopt;
        const std::size_t from = out.size() - static_cast<std::size_t>(offset);
        for (std::uint64_t i = 0; i < len; ++i) // byte by byte: the copy may overlap what it writes
            out.push_back(out[from + static_cast<std::size_t>(i)]);
    }
    if (out.size() != length)
        return std::nullopt;
    return out;
}

struct BlockHandle {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

bool readHandle(const std::uint8_t*& p, const std::uint8_t* end, BlockHandle& h)
{
    return readVarint(p, end, h.offset) && readVarint(p, end, h.size);
}

// The index file, read whole (it holds one small record per tensor), and its table structure.
class Table {
public:
    Table(std::vector<std::uint8_t> bytes, std::string label) : m_bytes(std::move(bytes)), m_label(std::move(label)) {}

    // Calls `entry` for every key/value of every data block, in key order.
    void forEach(const std::function<void(const std::string&, std::string_view)>& entry) const
    {
        if (m_bytes.size() < kFooterSize)
            fail(m_label, "file of " + std::to_string(m_bytes.size()) + " bytes is too short for a checkpoint index "
                    "(needs a 48-byte footer; truncated?)");
        const std::uint8_t* footer = m_bytes.data() + m_bytes.size() - kFooterSize;
        const std::uint64_t magic = std::uint64_t{loadLe32(footer + 40)} | std::uint64_t{loadLe32(footer + 44)} << 32;
        if (magic != kTableMagic)
            fail(m_label, "bad magic number in the footer (not a TensorFlow checkpoint index, or truncated)");
        const std::uint8_t* p = footer;
        BlockHandle meta, index;
        if (!readHandle(p, footer + 40, meta) || !readHandle(p, footer + 40, index))
            fail(m_label, "damaged footer (block handles do not decode)");
        const auto indexBlock = block(index, "index block");
        parseBlock(indexBlock, "index block", [&](const std::string&, std::string_view value) {
            const auto* q = reinterpret_cast<const std::uint8_t*>(value.data());
            BlockHandle h;
            if (!readHandle(q, q + value.size(), h))
                fail(m_label, "index block: damaged block handle");
            const std::string what = "data block at byte " + std::to_string(h.offset);
            parseBlock(block(h, what), what, entry);
        });
    }

private:
    // A block's contents, its trailer's checksum verified.
    std::string_view block(const BlockHandle& h, const std::string& what) const
    {
        const std::uint64_t limit = m_bytes.size() - kFooterSize;
        if (h.offset > limit || h.size > limit - h.offset || kBlockTrailerSize > limit - h.offset - h.size)
            fail(m_label, what + ": " + std::to_string(h.size) + " bytes at byte " + std::to_string(h.offset)
                    + " lie beyond the end of the file (" + std::to_string(m_bytes.size()) + " bytes; truncated?)");
        const std::uint8_t* start = m_bytes.data() + h.offset;
        const std::uint8_t type = start[h.size];
        const std::uint32_t stored = unmaskCrc32c(loadLe32(start + h.size + 1));
        const std::uint32_t actual = crc32c(start, static_cast<std::size_t>(h.size) + 1); // contents + type byte
        if (stored != actual)
            fail(m_label, what + ": checksum mismatch (damaged file)");
        const std::string_view contents(reinterpret_cast<const char*>(start), static_cast<std::size_t>(h.size));
        if (type == 1) {
            // A block inflates to at most its bytes * 256 or so; the whole index must stay small.
            auto inflated = snappyDecompress(contents, std::min<std::uint64_t>(kMaxDecodedTensorBytes, m_bytes.size() * 64 + 4096));
            if (!inflated)
                fail(m_label, what + ": damaged Snappy-compressed block");
            m_inflated.push_back(std::make_unique<std::string>(std::move(*inflated)));
            return *m_inflated.back();
        }
        if (type != 0)
            fail(m_label, what + ": unknown compression type " + std::to_string(type));
        return contents;
    }

    void parseBlock(std::string_view b, const std::string& what,
        const std::function<void(const std::string&, std::string_view)>& entry) const
    {
        if (b.size() < 4)
            fail(m_label, what + ": too short for its restart count");
        const auto* base = reinterpret_cast<const std::uint8_t*>(b.data());
        const std::uint64_t restarts = loadLe32(base + b.size() - 4);
        if (restarts == 0 || restarts > (b.size() - 4) / 4)
            fail(m_label, what + ": bad restart count " + std::to_string(restarts));
        const std::uint8_t* end = base + b.size() - 4 - 4 * restarts;
        const std::uint8_t* p = base;
        std::string key;
        while (p < end) {
            std::uint64_t shared = 0, unshared = 0, valueLen = 0;
            if (!readVarint(p, end, shared, 5) || !readVarint(p, end, unshared, 5) || !readVarint(p, end, valueLen, 5))
                fail(m_label, what + ": damaged entry header");
            if (shared > key.size())
                fail(m_label, what + ": entry shares " + std::to_string(shared) + " key bytes with a "
                        + std::to_string(key.size()) + "-byte previous key");
            if (unshared > static_cast<std::uint64_t>(end - p) || valueLen > static_cast<std::uint64_t>(end - p) - unshared)
                fail(m_label, what + ": entry runs past the end of the block");
            key.resize(static_cast<std::size_t>(shared));
            key.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(unshared));
            p += unshared;
            entry(key, std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(valueLen)));
            p += valueLen;
        }
    }

    std::vector<std::uint8_t> m_bytes;
    std::string m_label;
    mutable std::vector<std::unique_ptr<std::string>> m_inflated; // decompressed blocks, alive while parsed
};

std::vector<std::uint8_t> readIndexFile(const fs::path& path, std::uint64_t budget)
{
    const std::string label = path.filename().string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        fail(label, "no such file (" + path.string() + ")");
    const auto size = fs::file_size(path, ec);
    if (ec)
        fail(label, "cannot read its size: " + ec.message());
    if (size > budget || size > kMaxDecodedTensorBytes)
        fail(label, "index of " + core::byteSizeText(size) + " is over the memory budget of "
                + core::byteSizeText(std::min(budget, kMaxDecodedTensorBytes)) + " (damaged file?)");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
        fail(label, "cannot read (" + path.string() + ")");
    return bytes;
}

bool isFixedSize(int dtype)
{
    return dtype == tensorflow::DT_FLOAT || dtype == tensorflow::DT_INT32 || dtype == tensorflow::DT_BOOL
        || dtype == tensorflow::DT_COMPLEX64;
}

// Stored bytes per element; 0 for strings and types we do not read.
std::size_t storedElementSize(int dtype)
{
    switch (dtype) {
    case tensorflow::DT_FLOAT: case tensorflow::DT_INT32: case tensorflow::DT_UINT32: return 4;
    case tensorflow::DT_DOUBLE: case tensorflow::DT_INT64: case tensorflow::DT_UINT64: case tensorflow::DT_COMPLEX64: return 8;
    case tensorflow::DT_HALF: case tensorflow::DT_BFLOAT16: case tensorflow::DT_INT16: case tensorflow::DT_UINT16: return 2;
    case tensorflow::DT_INT8: case tensorflow::DT_UINT8: case tensorflow::DT_BOOL: return 1;
    case tensorflow::DT_COMPLEX128: return 16;
    default: return 0;
    }
}

std::string dtypeText(int dtype)
{
    const auto name = core::tfDataTypeName(dtype);
    return name ? std::string(*name) : "DataType " + std::to_string(dtype);
}

} // namespace

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc)
{
    const auto* p = static_cast<const std::uint8_t*>(data);
#if defined(__x86_64__)
    static const bool hardware = __builtin_cpu_supports("sse4.2");
    if (hardware)
        return ~crc32cSse42(p, size, ~crc);
#endif
    return ~crc32cSoftware(p, size, ~crc);
}

std::uint32_t crc32cPortable(const void* data, std::size_t size, std::uint32_t crc)
{
    return ~crc32cSoftware(static_cast<const std::uint8_t*>(data), size, ~crc);
}

std::uint32_t maskCrc32c(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::uint32_t unmaskCrc32c(std::uint32_t masked)
{
    const std::uint32_t r = masked - 0xa282ead8u;
    return (r >> 17) | (r << 15);
}

TensorBundle::TensorBundle(const fs::path& prefix, std::uint64_t maxMemoryBytes)
    : m_prefix(prefix), m_budget(core::memoryBudgetOr(maxMemoryBytes))
{
    const std::string label = indexLabel();
    Table table(readIndexFile(fs::path(prefix.string() + ".index"), m_budget), label);
    bool header = false;
    table.forEach([&](const std::string& key, std::string_view value) {
        if (key.empty()) {
            tensorflow::BundleHeaderProto h;
            if (!h.ParseFromArray(value.data(), static_cast<int>(value.size())))
                fail(label, "damaged bundle header");
            if (h.endianness() != tensorflow::BundleHeaderProto::LITTLE)
                fail(label, "the checkpoint was written big-endian, which is not supported");
            if (h.num_shards() < 1 || h.num_shards() > 99999)
                fail(label, "bad shard count " + std::to_string(h.num_shards()) + " in the bundle header");
            m_shards = h.num_shards();
            header = true;
            return;
        }
        if (!header)
            fail(label, "the bundle header (empty key) is not the first entry");
        tensorflow::BundleEntryProto e;
        if (!e.ParseFromArray(value.data(), static_cast<int>(value.size())))
            failTensor(label, key, "damaged entry (BundleEntryProto does not parse)");
        BundleEntry b;
        b.key = key;
        b.dtype = static_cast<int>(e.dtype());
        if (e.shape().unknown_rank())
            failTensor(label, key, "shape of unknown rank");
        for (const auto& d : e.shape().dim()) {
            if (d.size() < 0)
                failTensor(label, key, "negative dimension " + std::to_string(d.size()));
            b.shape.push_back(d.size());
        }
        b.sliced = e.slices_size() > 0;
        if (!b.sliced) {
            if (e.shard_id() < 0 || e.shard_id() >= m_shards)
                failTensor(label, key, "shard " + std::to_string(e.shard_id()) + " of " + std::to_string(m_shards));
            if (e.offset() < 0 || e.size() < 0)
                failTensor(label, key, "negative offset or size");
            b.shard = e.shard_id();
            b.offset = static_cast<std::uint64_t>(e.offset());
            b.size = static_cast<std::uint64_t>(e.size());
            b.maskedCrc = e.crc32c();
        }
        if (!m_entries.empty() && m_entries.back().key >= key)
            failTensor(label, key, "keys out of order (damaged index)");
        m_entries.push_back(std::move(b));
    });
    if (!header)
        fail(label, "no bundle header (empty index?)");
}

std::string TensorBundle::indexLabel() const { return m_prefix.filename().string() + ".index"; }

fs::path TensorBundle::dataFile(int shard) const
{
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, m_shards);
    return fs::path(m_prefix.string() + suffix);
}

const BundleEntry* TensorBundle::find(const std::string& key) const
{
    const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), key,
        [](const BundleEntry& e, const std::string& k) { return e.key < k; });
    return it != m_entries.end() && it->key == key ? &*it : nullptr;
}

std::shared_ptr<const core::ByteSource> TensorBundle::shardSource(int shard, const std::string& tensor) const
{
    if (auto it = m_sources.find(shard); it != m_sources.end())
        return it->second;
    const fs::path file = dataFile(shard);
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        failTensor(file.filename().string(), tensor, "data shard missing (" + file.string() + ")");
    // Kept open for every read (checksums, then the copy into the output); a bundle split into
    // very many shards opens each one per read instead, so as not to hold hundreds of files open.
    std::shared_ptr<const core::ByteSource> source;
    if (m_shards <= 64)
        source = std::make_shared<core::FileSource>(file, file.filename().string());
    else
        source = std::make_shared<core::FileSequenceSource>(std::vector<fs::path>{file});
    m_sources[shard] = source;
    return source;
}

void TensorBundle::checkRange(const BundleEntry& e) const
{
    const std::string file = dataFile(e.shard).filename().string();
    if (e.sliced)
        failTensor(indexLabel(), e.key, "a partitioned (sliced) variable, which is not supported");
    const auto source = shardSource(e.shard, e.key);
    if (e.offset > source->size() || e.size > source->size() - e.offset)
        failTensor(file, e.key, std::to_string(e.size) + " bytes at offset " + std::to_string(e.offset)
                + " lie beyond the end of the file (" + std::to_string(source->size()) + " bytes; truncated?)");
    if (const auto elem = storedElementSize(e.dtype)) {
        const auto n = checkedElementCount(e.shape);
        const auto need = n ? checkedMul(*n, elem) : std::nullopt;
        if (!need || *need != e.size)
            failTensor(indexLabel(), e.key, dtypeText(e.dtype) + " " + shapeText(e.shape) + " needs "
                    + (need ? std::to_string(*need) : std::string("more than 2^64")) + " bytes, the entry says "
                    + std::to_string(e.size));
    }
}

std::vector<std::uint8_t> TensorBundle::readBytes(const BundleEntry& e) const
{
    checkRange(e);
    const std::string file = dataFile(e.shard).filename().string();
    if (e.size > m_budget || e.size > kMaxDecodedTensorBytes)
        failTensor(file, e.key, core::byteSizeText(e.size) + " is over the memory budget (raise it with --max-memory "
                "if the file is trusted)");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(e.size));
    shardSource(e.shard, e.key)->read(e.offset, bytes.size(), bytes.data());
    // String tensors checksum their lengths as fixed-width integers, not as stored (varints).
    std::uint32_t crc = 0;
    if (e.dtype == tensorflow::DT_STRING) {
        const auto n = checkedElementCount(e.shape).value_or(0);
        const std::uint8_t* p = bytes.data();
        const std::uint8_t* end = p + bytes.size();
        for (std::uint64_t k = 0; k < n; ++k) {
            std::uint64_t len = 0;
            if (!readVarint(p, end, len))
                failTensor(file, e.key, "damaged string lengths");
            if (len > 0xffffffffu) {
                crc = crc32c(&len, 8, crc);
            } else {
                const auto len32 = static_cast<std::uint32_t>(len);
                crc = crc32c(&len32, 4, crc);
            }
        }
        crc = crc32c(p, static_cast<std::size_t>(end - p), crc);
    } else {
        crc = crc32c(bytes.data(), bytes.size());
    }
    if (crc != unmaskCrc32c(e.maskedCrc))
        failTensor(file, e.key, "checksum mismatch (the data file is damaged or does not belong to this index)");
    return bytes;
}

void TensorBundle::verify(const BundleEntry& e) const
{
    if (e.dtype == tensorflow::DT_STRING) {
        (void)readBytes(e);
        return;
    }
    checkRange(e);
    std::uint32_t crc = 0;
    shardSource(e.shard, e.key)->readInOrder(e.offset, e.size, [&](const std::uint8_t* data, std::size_t n) { crc = crc32c(data, n, crc); });
    if (crc != unmaskCrc32c(e.maskedCrc))
        failTensor(dataFile(e.shard).filename().string(), e.key,
            "checksum mismatch (the data file is damaged or does not belong to this index)");
}

void TensorBundle::verifyAll(const std::vector<const BundleEntry*>& entries) const
{
    std::uint64_t bytes = 0;
    std::vector<const BundleEntry*> checked; // the others are checked when read (readBytes)
    for (const auto* e : entries)
        if (isFixedSize(e->dtype))
            checked.push_back(e);
    for (const auto* e : checked) {
        checkRange(*e);
        (void)shardSource(e->shard, e->key); // opened here: the threads below only read
        bytes += e->size;
    }
    // Threads pay off from a few MiB on; a small checkpoint is checked on this thread.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const auto threads = static_cast<std::size_t>(bytes < (std::uint64_t{8} << 20) ? 1u : std::min(cores, 8u));
    std::vector<std::exception_ptr> errors(checked.size());
    auto work = [&](std::size_t first) {
        for (std::size_t i = first; i < checked.size(); i += threads) {
            try {
                verify(*checked[i]);
            } catch (...) {
                errors[i] = std::current_exception();
                return; // the others' errors come later in order, if at all
            }
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < std::min(threads, checked.size()); ++t)
        pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool)
        t.join();
    for (const auto& e : errors)
        if (e)
            std::rethrow_exception(e);
    for (const auto* e : checked)
        m_verified.insert(e->key);
}

std::vector<std::string> TensorBundle::readStrings(const BundleEntry& e) const
{
    const std::string file = dataFile(e.shard).filename().string();
    if (e.dtype != tensorflow::DT_STRING)
        failTensor(indexLabel(), e.key, "is " + dtypeText(e.dtype) + ", not a string tensor");
    const auto bytes = readBytes(e);
    const auto n = checkedElementCount(e.shape);
    if (!n || *n > bytes.size())
        failTensor(file, e.key, "more strings than bytes");
    std::vector<std::uint64_t> lengths;
    const std::uint8_t* p = bytes.data();
    const std::uint8_t* end = p + bytes.size();
    for (std::uint64_t k = 0; k < *n; ++k) {
        std::uint64_t len = 0;
        if (!readVarint(p, end, len))
            failTensor(file, e.key, "damaged string lengths");
        lengths.push_back(len);
    }
    if (end - p < 4)
        failTensor(file, e.key, "string lengths without their checksum");
    p += 4; // the lengths' own checksum; the entry checksum above covers it
    std::vector<std::string> out;
    for (const auto len : lengths) {
        if (len > static_cast<std::uint64_t>(end - p))
            failTensor(file, e.key, "string runs past the end of the tensor");
        out.emplace_back(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
        p += len;
    }
    return out;
}

core::Weight TensorBundle::weight(const BundleEntry& e, const std::string& name) const
{
    core::Weight w;
    w.name = name;
    w.shape = e.shape;
    if (isFixedSize(e.dtype)) {
        checkRange(e); // the range and the size against the shape
        w.dtype = *core::dtypeFromTf(e.dtype);
        w.source = shardSource(e.shard, e.key);
        if (!m_verified.count(e.key))
            w.source = std::make_shared<CheckedTensorSource>(w.source, dataFile(e.shard).filename().string(), e.key,
                e.offset, e.size, unmaskCrc32c(e.maskedCrc));
        w.offset = e.offset;
        w.byteLength = e.size;
        return w;
    }
    std::vector<std::uint8_t> out;
    auto put = [&out](auto v) {
        const auto at = out.size();
        out.resize(at + sizeof v);
        std::memcpy(out.data() + at, &v, sizeof v);
    };
    if (e.dtype == tensorflow::DT_STRING) {
        w.dtype = core::DType::String;
        for (const auto& s : readStrings(e)) {
            put(static_cast<std::uint32_t>(s.size()));
            out.insert(out.end(), s.begin(), s.end());
        }
    } else {
        const std::size_t elem = storedElementSize(e.dtype);
        if (elem == 0)
            failTensor(indexLabel(), e.key, dtypeText(e.dtype) + " cannot be stored as a TensorFlow.js weight");
        const auto bytes = readBytes(e);
        const std::size_t n = bytes.size() / elem;
        if (e.dtype == tensorflow::DT_COMPLEX128 || (n * 4 > m_budget))
            failTensor(indexLabel(), e.key, dtypeText(e.dtype) + " cannot be stored as a TensorFlow.js weight");
        out.reserve(n * 4);
        const std::uint8_t* p = bytes.data();
        auto load = [](const std::uint8_t* q, auto zero) {
            decltype(zero) v;
            std::memcpy(&v, q, sizeof v);
            return v;
        };
        const bool toFloat = e.dtype == tensorflow::DT_DOUBLE || e.dtype == tensorflow::DT_HALF
            || e.dtype == tensorflow::DT_BFLOAT16;
        w.dtype = toFloat ? core::DType::Float32 : core::DType::Int32; // TF.js has no narrower/wider numbers
        for (std::size_t k = 0; k < n; ++k, p += elem) {
            switch (e.dtype) {
            case tensorflow::DT_DOUBLE: put(static_cast<float>(load(p, 0.0))); break;
            case tensorflow::DT_HALF: put(core::halfToFloat(load(p, std::uint16_t{}))); break;
            case tensorflow::DT_BFLOAT16: {
                const std::uint32_t bits = std::uint32_t{load(p, std::uint16_t{})} << 16;
                float f;
                std::memcpy(&f, &bits, 4);
                put(f);
                break;
            }
            case tensorflow::DT_INT64: put(static_cast<std::int32_t>(load(p, std::int64_t{}))); break;
            case tensorflow::DT_UINT64: put(static_cast<std::int32_t>(load(p, std::uint64_t{}))); break;
            case tensorflow::DT_UINT32: put(static_cast<std::int32_t>(load(p, std::uint32_t{}))); break;
            case tensorflow::DT_INT16: put(static_cast<std::int32_t>(load(p, std::int16_t{}))); break;
            case tensorflow::DT_UINT16: put(static_cast<std::int32_t>(load(p, std::uint16_t{}))); break;
            case tensorflow::DT_INT8: put(static_cast<std::int32_t>(load(p, std::int8_t{}))); break;
            default: put(static_cast<std::int32_t>(load(p, std::uint8_t{}))); break;
            }
        }
    }
    w.byteLength = out.size();
    w.source = std::make_shared<core::MemorySource>(std::move(out));
    return w;
}

} // namespace studio::conv
