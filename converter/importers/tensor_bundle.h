// TensorFlow checkpoints ("tensor bundles": <prefix>.index + <prefix>.data-NNNNN-of-NNNNN), read
// natively: the SSTable index is parsed and checked whole, tensor bytes are read one at a time.
#pragma once

#include "core/ir/weights.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace studio::conv {

// CRC-32C (Castagnoli), continuing from `crc` (0 to start), and LevelDB's masking of stored CRCs.
// Uses the CPU's crc32 instruction where it has one.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
// The table-driven computation alone (what CPUs without the instruction run), for tests.
std::uint32_t crc32cPortable(const void* data, std::size_t size, std::uint32_t crc = 0);
std::uint32_t maskCrc32c(std::uint32_t crc);
std::uint32_t unmaskCrc32c(std::uint32_t masked);

// One tensor of the bundle, as its BundleEntryProto describes it.
struct BundleEntry {
    std::string key;
    int dtype = 0;                   // TensorFlow DataType number
    std::vector<std::int64_t> shape; // all dimensions known (checked when the index is read)
    int shard = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t maskedCrc = 0;
    bool sliced = false; // a partitioned variable, stored in slices under other keys
};

class TensorBundle {
public:
    // prefix: ".../variables/variables". Reads and checks the index (every block's checksum);
    // the data shards are opened only when a tensor is read. maxMemoryBytes: the memory budget
    // (0: the default) that the index and every tensor decoded in memory must fit.
    explicit TensorBundle(const std::filesystem::path& prefix, std::uint64_t maxMemoryBytes = 0);

    const std::filesystem::path& prefix() const { return m_prefix; }
    std::string indexLabel() const; // "variables.index", for messages
    int shardCount() const { return m_shards; }
    std::filesystem::path dataFile(int shard) const;
    // Every entry but the header, sorted by key.
    const std::vector<BundleEntry>& entries() const { return m_entries; }
    const BundleEntry* find(const std::string& key) const;

    // The stored bytes of one tensor (at most the memory budget), checksum verified.
    std::vector<std::uint8_t> readBytes(const BundleEntry& entry) const;
    // Reads the stored bytes in bounded chunks and checks their checksum; nothing is kept.
    void verify(const BundleEntry& entry) const;
    // verify() for many entries at once, on as many threads as the CPU has (the checksums are
    // independent); weight() does not check these again. On failure, throws the error of the
    // first failing entry in `entries` order, as verifying them one by one would.
    void verifyAll(const std::vector<const BundleEntry*>& entries) const;
    // The elements of a DT_STRING tensor.
    std::vector<std::string> readStrings(const BundleEntry& entry) const;
    // The tensor as a TF.js weight named `name`, narrowed as the converter narrows (int64 ->
    // int32, double/half/bfloat16 -> float32). float32/int32/bool/complex64 tensors are not
    // copied: the weight refers to the data file, and its bytes are checked against the entry's
    // checksum when first read (by the shard writer, as it copies them), unless verifyAll()
    // checked them already. The range and the size are checked here.
    core::Weight weight(const BundleEntry& entry, const std::string& name) const;

private:
    void checkRange(const BundleEntry& entry) const;
    std::shared_ptr<const core::ByteSource> shardSource(int shard, const std::string& tensor) const;

    std::filesystem::path m_prefix;
    std::uint64_t m_budget = 0;
    int m_shards = 1;
    std::vector<BundleEntry> m_entries;
    mutable std::map<int, std::shared_ptr<const core::ByteSource>> m_sources;
    mutable std::set<std::string> m_verified; // keys verifyAll() checked
};

} // namespace studio::conv
