// Where weight bytes come from: memory, or a run of files read as one stream (shards).
// Weights refer to ranges of a source instead of holding copies, so that a 1 GiB model
// can be re-sharded or quantized one weight at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::core {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::uint64_t size() const = 0;
    // Copies [offset, offset + length) into dst; throws studio::Error naming the file on failure.
    virtual void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const = 0;
};

class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::vector<std::uint8_t> bytes) : m_bytes(std::move(bytes)) {}
    std::uint64_t size() const override { return m_bytes.size(); }
    void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const override;
    const std::vector<std::uint8_t>& bytes() const { return m_bytes; }

private:
    std::vector<std::uint8_t> m_bytes;
};

// Files concatenated in order, as TF.js concatenates a group's shards.
class FileSequenceSource final : public ByteSource {
public:
    // Sizes are taken now; a file that changes size later is reported when read.
    explicit FileSequenceSource(std::vector<std::filesystem::path> files);
    std::uint64_t size() const override { return m_total; }
    void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const override;
    const std::vector<std::filesystem::path>& files() const { return m_files; }
    const std::vector<std::uint64_t>& fileSizes() const { return m_sizes; }

private:
    std::vector<std::filesystem::path> m_files;
    std::vector<std::uint64_t> m_sizes;
    std::uint64_t m_total = 0;
};

} // namespace studio::core
