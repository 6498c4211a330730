// Writing one weight group's bytes as consecutive shard files, cut every shardSize bytes.
#pragma once

#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::core {

// Appends bytes across the planned shard files of one group. Each finished shard is handed to
// threads that sync it to disk (fsync) while the next shards are written, so the two
// cores share the copying and the write-back; finish() waits for the last, so that the folder can
// then be renamed into place durably.
class ShardWriter {
public:
    ShardWriter(std::filesystem::path dir, std::vector<std::string> names, std::uint64_t shardSize);
    ~ShardWriter(); // stops the syncing threads; without finish() (an error path) nothing is waited for
    ShardWriter(const ShardWriter&) = delete;
    ShardWriter& operator=(const ShardWriter&) = delete;

    void write(const std::uint8_t* data, std::size_t n);
    // Appends [offset, offset + n) of `source`: inside the kernel where the source is a file
    // (copy_file_range), else through a buffer. Throws studio::Error naming the shard or source.
    void copy(const ByteSource& source, std::uint64_t offset, std::uint64_t n);
    // Closes the last shard and syncs every shard to disk; throws studio::Error naming the
    // first that fails.
    void finish();

private:
    void nextFile();
    void closeFile();
    std::uint64_t room();

    std::filesystem::path m_dir;
    std::vector<std::string> m_names;
    std::uint64_t m_shardSize;
    std::size_t m_index = 0;
    std::uint64_t m_inShard = 0;
    int m_fd = -1;

    // The syncing threads: closed shards' descriptors in, the first failure out.
    struct Syncer;
    std::unique_ptr<Syncer> m_syncer;
};

} // namespace studio::core
