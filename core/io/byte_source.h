// Where weight bytes come from: memory, or a run of files read as one stream (shards).
// Weights refer to ranges of a source instead of holding copies, so that a 1 GiB model
// can be re-sharded or quantized one weight at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
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
    // Appends [offset, offset + length) to the open file `fd` (at its file position) inside the
    // kernel (copy_file_range), without the bytes passing through this process. Returns how many
    // bytes it appended: less than `length` (0 included) when the file systems cannot do it, and
    // the caller writes the rest itself. Sources that are not files append nothing.
    virtual std::uint64_t copyToFile(std::uint64_t offset, std::uint64_t length, int fd) const
    {
        (void)offset, (void)length, (void)fd;
        return 0;
    }
    // Hands [offset, offset + length) to `sink` in order, in chunks of at most 1 MiB, for a
    // caller that streams the range once (the shard writer). A source that vouches for its bytes
    // with a checksum checks them on the way and throws studio::Error after the last chunk when
    // they are wrong, instead of reading the range twice: the caller must discard what the sink
    // received when this throws.
    virtual void readInOrder(std::uint64_t offset, std::uint64_t length,
        const std::function<void(const std::uint8_t*, std::size_t)>& sink) const;
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

// One file, kept open from construction: a model file's weights read where they lie (a Keras
// .h5's contiguous datasets). Deleting or renaming the file afterwards does not affect it.
class FileSource final : public ByteSource {
public:
    // Throws studio::Error naming `label` when the file cannot be opened.
    FileSource(const std::filesystem::path& file, std::string label);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    std::uint64_t size() const override { return m_size; }
    void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const override;
    std::uint64_t copyToFile(std::uint64_t offset, std::uint64_t length, int fd) const override;

private:
    int m_fd = -1;
    std::uint64_t m_size = 0;
    std::string m_label;
};

// Files concatenated in order, as TF.js concatenates a group's shards.
class FileSequenceSource final : public ByteSource {
public:
    // Sizes are taken now; a file that changes size later is reported when read.
    explicit FileSequenceSource(std::vector<std::filesystem::path> files);
    std::uint64_t size() const override { return m_total; }
    void read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const override;
    std::uint64_t copyToFile(std::uint64_t offset, std::uint64_t length, int fd) const override;
    const std::vector<std::filesystem::path>& files() const { return m_files; }
    const std::vector<std::uint64_t>& fileSizes() const { return m_sizes; }

private:
    // Calls f(file index, offset in that file, length) for each piece of [offset, offset + length).
    template <typename F> void forEachPiece(std::uint64_t offset, std::uint64_t length, F&& f) const;

    std::vector<std::filesystem::path> m_files;
    std::vector<std::uint64_t> m_sizes;
    std::uint64_t m_total = 0;
};

} // namespace studio::core
